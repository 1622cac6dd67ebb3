package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live dashboard in a real browser (Debian's Chromium, headless, through its chromedriver)
 * against a running adapter with synthetic users' speech: a viewer signs in, finds a user among
 * 10,000 by searching and paging, and sees the user's head version and prequential curves; when
 * the user's next clips are trained, the version and the curves update on the open page (server-sent
 * events, no reload). Saves a screenshot, {@code target/dashboard-it/dashboard.png}.
 */
class DashboardBrowserIT {

    private static final String TENANT = "home";
    private static final String TASK = "wake";
    private static final int FIRST = 4;
    private static final int MORE = 4;
    /** Heads written straight to the topic, so that the list holds 10,000 users besides the trained ones. */
    private static final int FILLER_USERS = 10_000;
    /** Rounds of sending the filler heads that failed. */
    private static final int FILLER_ROUNDS = 3;

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void aUsersCurvesAndHeadVersionAppearAndUpdateLive() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "dashboard-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(11)
                .withUsers(2)
                .withTrain(FIRST + MORE, FIRST + MORE)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        List<SyntheticUser> users = pop.users();
        SyntheticUser watched = users.get(0);
        String headId = TENANT + "/" + watched.id() + "/" + TASK;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            writeFillerHeads(kafka);
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, 4, "dashboard-it");
            ItSupport.addAdminUser(props, "vera", "vera-pw", "viewer");
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs)) {
                ItSupport.sendTrain(sender, TENANT, TASK, users, 0, FIRST);
                ItSupport.awaitApplied(follower, TENANT, TASK, users, FIRST);
                long first = follower.current(headId).orElseThrow().version();

                WebDriver browser = chromium(work);
                try {
                    WebDriverWait wait = new WebDriverWait(browser, WAIT);
                    browser.get("http://127.0.0.1:" + adapter.httpPort() + "/dashboard/index.html");
                    browser.findElement(By.id("login-user")).sendKeys("vera");
                    browser.findElement(By.id("login-password")).sendKeys("wrong");
                    browser.findElement(By.id("login-button")).click();
                    wait.until(
                            d -> d.findElement(By.id("login-error")).getText().contains("wrong user or password"));
                    browser.findElement(By.id("login-password")).clear();
                    browser.findElement(By.id("login-password")).sendKeys("vera-pw");
                    browser.findElement(By.id("login-button")).click();

                    // 10,000 users and more, 25 to a page
                    wait.until(d -> d.findElement(By.id("page-info"))
                            .getText()
                            .endsWith(" of " + (FILLER_USERS + users.size())));
                    assertThat(browser.findElements(By.cssSelector("#users tbody tr")))
                            .hasSize(25);
                    browser.findElement(By.id("next")).click();
                    wait.until(d -> d.findElement(By.id("page-info")).getText().startsWith("26-50 of "));

                    browser.findElement(By.id("tenant")).sendKeys(TENANT);
                    browser.findElement(By.id("search")).sendKeys(watched.id());
                    wait.until(d -> d.findElement(By.id("page-info")).getText().equals("1-1 of 1"));
                    browser.findElement(By.cssSelector("#users tbody tr[data-user='" + watched.id() + "']"))
                            .click();
                    wait.until(d -> text(d, "version").equals(Long.toString(first)));
                    assertThat(curvePoints(browser, "adapted")).isEqualTo(FIRST);
                    assertThat(curvePoints(browser, "source")).isEqualTo(FIRST);
                    assertThat(text(browser, "status")).startsWith("ACTIVE");
                    assertThat(text(browser, "fa-per-hour")).matches("\\d+\\.\\d\\d");
                    assertThat(browser.findElements(By.cssSelector("#monitors tbody tr")))
                            .hasSize(4);
                    assertThat(browser.findElement(By.id("live")).getText()).isEqualTo("live");

                    // the next clips: the open page follows without a reload
                    ItSupport.sendTrain(sender, TENANT, TASK, List.of(watched), FIRST, FIRST + MORE);
                    ItSupport.awaitApplied(follower, TENANT, TASK, List.of(watched), FIRST + MORE);
                    long last = follower.current(headId).orElseThrow().version();
                    assertThat(last).isGreaterThan(first);
                    wait.until(d -> text(d, "version").equals(Long.toString(last))
                            && curvePoints(d, "adapted") == FIRST + MORE);
                    assertThat(browser.findElements(By.cssSelector("#versions tbody tr"))
                                    .size())
                            .isGreaterThan(1);

                    Path shot = Files.createDirectories(Path.of("target/dashboard-it"))
                            .resolve("dashboard.png");
                    File png = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
                    Files.copy(png.toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
                    assertThat(Files.size(shot)).isGreaterThan(10_000);
                } catch (RuntimeException | AssertionError e) {
                    // what the page showed, for the failure's reader
                    Path dir = Files.createDirectories(Path.of("target/dashboard-it"));
                    Files.copy(
                            ((ChromeDriver) browser)
                                    .getScreenshotAs(OutputType.FILE)
                                    .toPath(),
                            dir.resolve("failure.png"),
                            StandardCopyOption.REPLACE_EXISTING);
                    Files.writeString(dir.resolve("failure.html"), browser.getPageSource());
                    throw e;
                } finally {
                    browser.quit();
                }
            }
        }
    }

    private static String text(WebDriver d, String id) {
        return d.findElement(By.id(id)).getText();
    }

    private static int curvePoints(WebDriver d, String line) {
        WebElement polyline = d.findElement(By.cssSelector("#curve polyline." + line));
        return Integer.parseInt(polyline.getAttribute("data-points"));
    }

    /** Headless Debian Chromium with the flags this machine's closed network needs. */
    private static WebDriver chromium(Path work) throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--user-data-dir="
                        + Files.createDirectories(work.resolve("chromium")).toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * {@value #FILLER_USERS} users' heads, one version each, under their own keys, as a large
     * tenant's. Every send must be acknowledged: a send that fails is sent again (a head is keyed
     * and compacted, so a duplicate changes nothing), at most {@value #FILLER_ROUNDS} rounds, and the
     * test fails with the broker log's tail rather than going on with fewer users than expected.
     */
    private static void writeFillerHeads(EmbeddedKafka kafka) throws Exception {
        List<ProducerRecord<byte[], byte[]>> pending = new ArrayList<>();
        for (int i = 0; i < FILLER_USERS; i++) {
            String user = String.format(Locale.ROOT, "f%05d", i);
            String id = "big/" + user + "/" + TASK;
            HeadUpdate u = HeadUpdate.newBuilder()
                    .setHeadId(id)
                    .setTenant("big")
                    .setUser(user)
                    .setTask(TASK)
                    .setVersion(1)
                    .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                    .setThreshold(0.5f)
                    .setProvenance(Provenance.newBuilder().setSamplesApplied(1))
                    .build();
            pending.add(new ProducerRecord<>(Topics.HEADS, id.getBytes(StandardCharsets.UTF_8), u.toByteArray()));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
        Exception last = null;
        for (int round = 1; round <= FILLER_ROUNDS && !pending.isEmpty(); round++) {
            long t0 = System.nanoTime();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            // a new producer each round: a stuck producer's state is not carried into the next one
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (ProducerRecord<byte[], byte[]> r : pending) {
                    sent.add(producer.send(r));
                }
                producer.flush();
            }
            List<ProducerRecord<byte[], byte[]>> failed = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                try {
                    sent.get(i).get(0, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                    failed.add(pending.get(i));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "filler heads, round %d: %d sent, %d failed, %.1f s%n",
                    round,
                    pending.size(),
                    failed.size(),
                    (System.nanoTime() - t0) / 1e9);
            pending = failed;
        }
        if (!pending.isEmpty()) {
            throw new AssertionError(
                    pending.size() + " filler heads not written after " + FILLER_ROUNDS + " rounds; end of "
                            + kafka.logFile() + ":\n" + kafka.logTail(),
                    last);
        }
    }
}
