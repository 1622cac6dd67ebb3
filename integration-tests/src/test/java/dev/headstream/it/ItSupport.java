package dev.headstream.it;

import dev.headstream.cli.produce.SampleRecords;
import dev.headstream.cli.synth.CachingSynthesizer;
import dev.headstream.cli.synth.SpeechSynth;
import dev.headstream.cli.synth.SynthProgress;
import dev.headstream.cli.synth.SyntheticPopulation;
import dev.headstream.cli.synth.SyntheticUsers;
import dev.headstream.core.wire.SampleFile;
import dev.headstream.schemas.v1.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the end-to-end tests share: the models and adapter jar the build passes in, synthetic users, a reference set file. */
final class ItSupport {

    private ItSupport() {
    }

    /** The verified models folder ({@code -Dheadstream.models.dir}, set by the build). */
    static Path models() {
        return Path.of(System.getProperty("headstream.models.dir"));
    }

    /** The adapter's {@code quarkus-run.jar} ({@code -Dheadstream.adapter.jar}, set by the build). */
    static Path adapterJar() {
        return Path.of(System.getProperty("headstream.adapter.jar"));
    }

    /** {@code config}'s users, synthesized on 2 threads with the speech cache in {@code target/synth-cache}. */
    static SyntheticPopulation population(SyntheticUsers.Config config) {
        return new SyntheticUsers(config).generate(new CachingSynthesizer(new SpeechSynth(), Path.of("target/synth-cache")),
                2, SynthProgress.none());
    }

    /** Writes the background speakers' clips as the rehearsal reference set file of {@code task}; returns its path. */
    static Path writeReferenceSet(Path work, SyntheticPopulation pop, String task) throws IOException {
        Path file = work.resolve("rehearsal.samples.pb");
        List<Sample> reference = pop.background().stream().map(c -> SampleRecords.sample("reference", task, c)).toList();
        SampleFile.write(file, reference);
        return file;
    }
}
