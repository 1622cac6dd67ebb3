package dev.headstream.adapter.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headstream.adapter.EmbeddedKafkaResource;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.synth.SampleRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The admin API on the adapter as it runs (a real broker, the real engine): without credentials
 * every endpoint answers 401, a viewer reads but may not act (403), an operator's commands reach
 * the adapter through {@code headstream.control} and their effects show on {@code headstream.heads},
 * and what is wrong with a request comes back as a problem detail naming it.
 */
@QuarkusTest
@TestProfile(AdminResourceTest.Profile.class)
@WithTestResource(EmbeddedKafkaResource.class)
class AdminResourceTest {

    /** Two users of the embedded realm, their passwords as the deployment stores them (SHA-256 digests). */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.security.users.embedded.users.vera",
                    digest("vera", "vera-pw"),
                    "quarkus.security.users.embedded.roles.vera",
                    "viewer",
                    "quarkus.security.users.embedded.users.otto",
                    digest("otto", "otto-pw"),
                    "quarkus.security.users.embedded.roles.otto",
                    "operator");
        }
    }

    private static final String TENANT = "admin-t";
    private static final String TASK = "wake";
    private static final Duration WITHIN = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/")
    URI root;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void withoutCredentialsEveryEndpointAnswers401AndAWrongPasswordToo() throws Exception {
        for (String path : List.of("admin/users", "admin/users/t/u", "admin/heads/t/u/wake")) {
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(post("admin/users/t/u/reset", "{}", null).statusCode()).isEqualTo(401);
        assertThat(get("admin/users", "vera:wrong").statusCode()).isEqualTo(401);
        HttpResponse<String> events = http.send(
                request("admin/events", null)
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(events.statusCode()).isEqualTo(401);
    }

    @Test
    void aViewerReadsButMayNotAct() throws Exception {
        HttpResponse<String> list = get("admin/users?limit=5", "vera:vera-pw");
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        assertThat(JSON.readTree(list.body()).get("limit").asInt()).isEqualTo(5);
        await().atMost(WITHIN)
                .until(() -> JSON.readTree(get("admin/users", "vera:vera-pw").body())
                        .get("caughtUp")
                        .asBoolean());

        assertThat(post("admin/users/t/u/reset", "{}", "vera:vera-pw").statusCode())
                .isEqualTo(403);
    }

    @Test
    void theOpenApiDocumentDescribesEveryEndpoint() throws Exception {
        HttpResponse<String> r = get("q/openapi", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("/admin/users:", "/admin/users/{tenant}/{user}:", "/admin/heads/{tenant}/{user}/{task}:")
                .contains("/admin/users/{tenant}/{user}/{action}:");
    }

    @Test
    void badRequestsGetProblemDetailsNamingWhatIsWrong() throws Exception {
        assertProblem(get("admin/users?limit=0", "vera:vera-pw"), 400, "limit must be 1 to 500, got 0");
        assertProblem(get("admin/users?offset=x", "vera:vera-pw"), 400, "offset must be a number, got 'x'");
        assertProblem(get("admin/users/t%20x/u", "vera:vera-pw"), 400, "tenant and user must be 1-64 characters");
        assertProblem(get("admin/users/t/nobody", "vera:vera-pw"), 404, "no head of user 't/nobody' is known");
        assertProblem(post("admin/users/t/u/explode", "{}", "otto:otto-pw"), 400, "unknown action 'explode'");
        assertProblem(
                post("admin/users/t/u/reset", "{\"task\":\"alexa\"}", "otto:otto-pw"), 400, "unknown task 'alexa'");
        assertProblem(post("admin/users/t/u/reset", "{not json", "otto:otto-pw"), 400, "");
        // a misspelt field must not silently mean every task
        assertProblem(post("admin/users/t/u/erase", "{\"tsk\":\"wake\"}", "otto:otto-pw"), 400, "unknown field 'tsk'");
        assertProblem(get("admin/events?user=u", "vera:vera-pw"), 400, "user needs tenant");
        assertProblem(
                post("admin/users/t/u/forget-output", "{\"task\":\"wake\"}", "otto:otto-pw"),
                400,
                "forget-output needs the class task (task) and the output's name (output)");
        assertProblem(
                post("admin/users/t/u/reset", "{\"output\":\"x\"}", "otto:otto-pw"),
                400,
                "only forget-output names an output");
    }

    @Test
    void aCommandWithoutItsHeaderOrAsJsonIsRefusedSoThatNoOtherSiteCanSendOne() throws Exception {
        // what a cross-site form or sendBeacon can send: no custom header, no JSON content type
        HttpResponse<String> beacon = http.send(
                request("admin/users/t/u/erase", "otto:otto-pw")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(beacon, 400, "needs Content-Type: application/json and the header X-Headstream-Command");
        HttpResponse<String> form = http.send(
                request("admin/users/t/u/erase", "otto:otto-pw")
                        .header("Content-Type", "text/plain")
                        .header(AdminResource.COMMAND_HEADER, "1")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isIn(400, 415);
    }

    @Test
    void anOperatorsCommandsTakeEffectOnTheHeadsTopic() throws Exception {
        String user = "u" + System.nanoTime();
        String headId = TENANT + "/" + user + "/" + TASK;
        send(user, 0);
        long trained = await().atMost(WITHIN)
                .until(() -> newest(headId), Optional::isPresent)
                .orElseThrow()
                .getVersion();
        // the catalog shows the head as the topic has it
        await().atMost(WITHIN).untilAsserted(() -> {
            HttpResponse<String> r = get("admin/heads/" + headId, "vera:vera-pw");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode head = JSON.readTree(r.body());
            assertThat(head.at("/newest/version").asLong()).isEqualTo(trained);
            assertThat(head.at("/curve").size()).isEqualTo(1);
        });
        JsonNode listed = JSON.readTree(get("admin/users?tenant=" + TENANT + "&q=" + user, "vera:vera-pw")
                .body());
        assertThat(listed.at("/users/0/user").asText()).isEqualTo(user);

        act(user, "reset", "{\"reason\":\"support ticket 7\"}");
        HeadUpdate reset = awaitNewest(headId, u -> u.getVersion() > trained);
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(reset.getStatusReason()).contains("support ticket 7");

        send(user, 1);
        HeadUpdate retrained = awaitNewest(headId, u -> u.getVersion() > reset.getVersion());
        act(user, "rollback", "{\"task\":\"wake\"}");
        HeadUpdate rolledBack = awaitNewest(headId, u -> u.getVersion() > retrained.getVersion());
        assertThat(rolledBack.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ROLLED_BACK);

        // frozen: a sample is scored, no new version; unfrozen: the next one trains again
        act(user, "freeze", null);
        send(user, 2);
        await().atMost(WITHIN).until(() -> samplesSeen(headId) >= 3);
        assertThat(newest(headId).orElseThrow().getVersion()).isEqualTo(rolledBack.getVersion());
        act(user, "unfreeze", null);
        send(user, 3);
        HeadUpdate thawed = awaitNewest(headId, u -> u.getVersion() > rolledBack.getVersion());
        assertThat(thawed.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);

        act(user, "erase", null);
        await().atMost(WITHIN).until(() -> newest(headId).isEmpty() && tombstoned(headId));
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(
                                get("admin/heads/" + headId, "vera:vera-pw").statusCode())
                        .isEqualTo(404));
    }

    private void act(String user, String action, String body) throws Exception {
        HttpResponse<String> r = post("admin/users/" + TENANT + "/" + user + "/" + action, body, "otto:otto-pw");
        assertThat(r.statusCode()).as(action + ": " + r.body()).isEqualTo(202);
        JsonNode accepted = JSON.readTree(r.body());
        assertThat(accepted.get("topic").asText()).isEqualTo(Topics.CONTROL);
        assertThat(accepted.get("action").asText()).isEqualTo(action);
    }

    private HeadUpdate awaitNewest(String headId, java.util.function.Predicate<HeadUpdate> done) {
        return await().atMost(WITHIN)
                .until(() -> newest(headId), u -> u.isPresent() && done.test(u.get()))
                .orElseThrow();
    }

    /** The newest committed version of {@code headId} on the heads topic, empty if none or tombstoned. */
    private Optional<HeadUpdate> newest(String headId) throws Exception {
        HeadUpdate newest = null;
        for (ConsumerRecord<byte[], byte[]> r : heads()) {
            if (headId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                newest = r.value() == null ? null : HeadUpdate.parseFrom(r.value());
            }
        }
        return Optional.ofNullable(newest);
    }

    private boolean tombstoned(String headId) {
        return heads().stream()
                .anyMatch(r -> headId.equals(new String(r.key(), StandardCharsets.UTF_8)) && r.value() == null);
    }

    private long samplesSeen(String headId) throws Exception {
        HttpResponse<String> r = get("admin/heads/" + headId, "vera:vera-pw");
        return r.statusCode() == 200
                ? JSON.readTree(r.body()).at("/monitors/samplesSeen").asLong()
                : 0;
    }

    private List<ConsumerRecord<byte[], byte[]>> heads() {
        return TopicReader.readAll(bootstrap, Topics.HEADS, Duration.ofSeconds(10));
    }

    private void send(String user, int n) {
        try (SampleSender sender = new SampleSender(bootstrap)) {
            sender.send(SampleRecords.key(TENANT, user), noiseSample(user, n).toByteArray());
            sender.flush();
        }
    }

    private static void assertProblem(HttpResponse<String> r, int status, String detail) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith(Problem.MEDIA_TYPE));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("type").asText()).startsWith("/problems/");
        assertThat(p.get("detail").asText()).contains(detail);
    }

    private HttpResponse<String> get(String path, String credentials) throws Exception {
        return http.send(request(path, credentials).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String credentials) throws Exception {
        HttpRequest.Builder b = request(path, credentials)
                .header("Content-Type", "application/json")
                .header(AdminResource.COMMAND_HEADER, "1");
        b.POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String credentials) {
        HttpRequest.Builder b = HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(20));
        if (credentials != null) {
            b.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    /** A positive training sample of 2 s of quiet noise, different per {@code n}. */
    private static Sample noiseSample(String user, int n) {
        Random random = new Random(7 + n);
        short[] pcm = new short[2 * SampleRecords.SAMPLE_RATE_HZ];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (random.nextGaussian() * 500);
        }
        return Sample.newBuilder()
                .setSampleId(user + "-" + n)
                .setTenant(TENANT)
                .setUser(user)
                .setAudio(SampleRecords.audio(pcm))
                .putLabels(TASK, Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
    }

    /** HEX(SHA-256("user:Quarkus:password")), the embedded realm's stored form. */
    static String digest(String user, String password) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest((user + ":Quarkus:" + password).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
