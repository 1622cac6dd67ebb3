package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalInputsTest {

    @TempDir
    Path dir;

    @Test
    void readsSeveralUsersFolders() throws Exception {
        Path root = dir.resolve("clips");
        touch(
                root.resolve("bob/positive/b.wav"),
                root.resolve("bob/positive/a.wav"),
                root.resolve("bob/negative/n.wav"),
                root.resolve("alice/positive/x.flac"),
                root.resolve("alice/positive/notes.txt"),
                root.resolve(".cache/positive/ignored.wav"));

        List<LabeledClip> clips = EvalInputs.clipsFromDirectory(root);

        assertThat(clips)
                .extracting(LabeledClip::user, LabeledClip::label, LabeledClip::name)
                .containsExactly(
                        tuple("alice", "positive", "alice/positive/x.flac"),
                        tuple("bob", "positive", "bob/positive/a.wav"),
                        tuple("bob", "positive", "bob/positive/b.wav"),
                        tuple("bob", "negative", "bob/negative/n.wav"));
        assertThat(EvalInputs.users(clips)).containsExactly("alice", "bob");
    }

    @Test
    void aFolderWithPositiveAndNegativeIsOneUserNamedAfterIt() throws Exception {
        Path root = dir.resolve("carol");
        touch(root.resolve("positive/1.wav"), root.resolve("negative/2.WAV"));

        assertThat(EvalInputs.clipsFromDirectory(root))
                .extracting(LabeledClip::user, LabeledClip::positive)
                .containsExactly(tuple("carol", true), tuple("carol", false));
    }

    @Test
    void aMissingClipsFolderIsAClearError() {
        Path missing = dir.resolve("nowhere");

        assertThatThrownBy(() -> EvalInputs.clipsFromDirectory(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--clips directory not found: " + missing);
    }

    @Test
    void aUserFolderWithoutLabelFoldersIsAnError() throws Exception {
        touch(dir.resolve("alice/positive/1.wav"), dir.resolve("bob/postive/1.wav"));

        assertThatThrownBy(() -> EvalInputs.clipsFromDirectory(dir))
                .hasMessage("--clips directory " + dir + ": user folder bob has neither positive/ nor negative/");
    }

    @Test
    void readsAManifestRelativeToItsFolder() throws Exception {
        touch(dir.resolve("audio/a.wav"), dir.resolve("audio/b, quoted.wav"));
        Path manifest = dir.resolve("m.csv");
        Files.writeString(
                manifest,
                "user,label,file,note\n"
                        + "dave,negative,audio/a.wav,x\n"
                        + "\n"
                        + "dave,Positive,\"audio/b, quoted.wav\",\"y\"\"\"\n");

        List<LabeledClip> clips = EvalInputs.clipsFromManifest(manifest);

        assertThat(clips)
                .extracting(LabeledClip::user, LabeledClip::positive, LabeledClip::name)
                .containsExactly(tuple("dave", true, "audio/b, quoted.wav"), tuple("dave", false, "audio/a.wav"));
        assertThat(clips.get(0).file()).isEqualTo(dir.resolve("audio/b, quoted.wav"));
    }

    @Test
    void aManifestWithABadLabelOrAMissingFileNamesTheLine() throws Exception {
        touch(dir.resolve("a.wav"));
        Path badLabel = dir.resolve("label.csv");
        Files.writeString(badLabel, "file,user,label\na.wav,dave,maybe\n");
        Path missing = dir.resolve("missing.csv");
        Files.writeString(missing, "file,user,label\na.wav,dave,positive\nb.wav,dave,negative\n");

        assertThatThrownBy(() -> EvalInputs.clipsFromManifest(badLabel))
                .hasMessage("manifest " + badLabel + " line 2: label must be positive or negative, got 'maybe'");
        assertThatThrownBy(() -> EvalInputs.clipsFromManifest(missing))
                .hasMessage("manifest " + missing + " line 3: clip not found: "
                        + dir.toAbsolutePath().resolve("b.wav"));
    }

    @Test
    void speechFoldersGiveTheirAudioFilesSorted() throws Exception {
        touch(dir.resolve("s/b.wav"), dir.resolve("s/a/z.wav"), dir.resolve("s/readme.md"), dir.resolve("one.wav"));

        assertThat(EvalInputs.speechFiles(List.of(dir.resolve("s"), dir.resolve("one.wav"))))
                .containsExactly(dir.resolve("s/a/z.wav"), dir.resolve("s/b.wav"), dir.resolve("one.wav"));
        assertThatThrownBy(() -> EvalInputs.speechFiles(List.of(dir.resolve("none"))))
                .hasMessage("--speech path not found: " + dir.resolve("none"));
    }

    private static void touch(Path... files) throws Exception {
        for (Path f : files) {
            Files.createDirectories(f.getParent());
            Files.write(f, new byte[0]);
        }
    }
}
