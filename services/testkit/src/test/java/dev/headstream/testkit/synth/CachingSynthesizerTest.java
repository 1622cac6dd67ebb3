package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.Voice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingSynthesizerTest {

    private static final SynthRequest REQUEST =
            new SynthRequest("hey jarvis", Voice.parse("en-us+f2"), 50, 160, 60, 1.0);

    @TempDir
    Path dir;

    @Test
    void servesARepeatedRequestFromDisk() {
        FakeSynthesizer fake = new FakeSynthesizer();
        CachingSynthesizer cache = new CachingSynthesizer(fake, dir);
        short[] first = cache.synthesize(REQUEST);
        assertThat(Files.exists(cache.entryFor(REQUEST))).isTrue();

        CachingSynthesizer secondRun = new CachingSynthesizer(fake, dir);
        assertThat(secondRun.synthesize(REQUEST)).isEqualTo(first);
        assertThat(fake.calls.get()).isEqualTo(1);
        assertThat(secondRun.hits()).isEqualTo(1);
        assertThat(secondRun.misses()).isZero();
    }

    @Test
    void anyParameterOrEngineChangeMisses() {
        FakeSynthesizer fake = new FakeSynthesizer();
        CachingSynthesizer cache = new CachingSynthesizer(fake, dir);
        List<SynthRequest> variants = List.of(
                REQUEST,
                new SynthRequest("hey jarvis!", REQUEST.voice(), 50, 160, 60, 1.0),
                new SynthRequest("hey jarvis", Voice.parse("en-us+f3"), 50, 160, 60, 1.0),
                new SynthRequest("hey jarvis", REQUEST.voice(), 51, 160, 60, 1.0),
                new SynthRequest("hey jarvis", REQUEST.voice(), 50, 161, 60, 1.0),
                new SynthRequest("hey jarvis", REQUEST.voice(), 50, 160, 61, 1.0),
                new SynthRequest("hey jarvis", REQUEST.voice(), 50, 160, 60, 1.001));
        assertThat(variants.stream().map(cache::entryFor).distinct()).hasSize(variants.size());

        Synthesizer otherEngine = new Synthesizer() {
            @Override
            public short[] synthesize(SynthRequest request) {
                return fake.synthesize(request);
            }

            @Override
            public String identity() {
                return "fake-tone-v2";
            }
        };
        assertThat(new CachingSynthesizer(otherEngine, dir).entryFor(REQUEST)).isNotEqualTo(cache.entryFor(REQUEST));
    }

    @Test
    void replacesADamagedEntry() throws IOException {
        FakeSynthesizer fake = new FakeSynthesizer();
        CachingSynthesizer cache = new CachingSynthesizer(fake, dir);
        short[] expected = cache.synthesize(REQUEST);
        Files.write(cache.entryFor(REQUEST), new byte[] {1, 2, 3});

        assertThat(cache.synthesize(REQUEST)).isEqualTo(expected);
        assertThat(fake.calls.get()).isEqualTo(2);
        assertThat(cache.synthesize(REQUEST)).isEqualTo(expected);
        assertThat(fake.calls.get()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsGetWholeEntries() throws Exception {
        CachingSynthesizer cache = new CachingSynthesizer(new FakeSynthesizer(), dir);
        short[] expected = new FakeSynthesizer().synthesize(REQUEST);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<short[]>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(() -> cache.synthesize(REQUEST));
            }
            for (Future<short[]> f : pool.invokeAll(calls)) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile))
                    .as("no temp files left")
                    .hasSize(1);
        }
    }

    @Test
    void aBatchSynthesizesOnlyItsMissesInOneDelegateCall() {
        List<List<SynthRequest>> batches = new ArrayList<>();
        FakeSynthesizer fake = new FakeSynthesizer();
        Synthesizer batching = new Synthesizer() {
            @Override
            public short[] synthesize(SynthRequest request) {
                return fake.synthesize(request);
            }

            @Override
            public List<short[]> synthesizeAll(List<SynthRequest> requests) {
                batches.add(requests);
                return requests.stream().map(fake::synthesize).toList();
            }

            @Override
            public String identity() {
                return fake.identity();
            }
        };
        CachingSynthesizer cache = new CachingSynthesizer(batching, dir);
        SynthRequest other = new SynthRequest("good morning", REQUEST.voice(), 50, 160, 60, 1.0);
        SynthRequest third = new SynthRequest("good night", REQUEST.voice(), 50, 160, 60, 1.0);
        cache.synthesize(REQUEST);

        List<short[]> out = cache.synthesizeAll(List.of(other, REQUEST, third));

        assertThat(batches).containsExactly(List.of(other, third));
        assertThat(out.get(0)).isEqualTo(fake.synthesize(other));
        assertThat(out.get(1)).isEqualTo(fake.synthesize(REQUEST));
        assertThat(out.get(2)).isEqualTo(fake.synthesize(third));
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(3);
        assertThat(cache.synthesizeAll(List.of(third, other))).hasSize(2);
        assertThat(batches).hasSize(1);
    }
}
