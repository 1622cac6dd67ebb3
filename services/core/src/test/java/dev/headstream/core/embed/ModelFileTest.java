package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {

    @Test
    void aMissingFileNamesTheOptionAndTheAdaptersKeyThatPointToTheModels(@TempDir Path dir) {
        Path missing = dir.resolve("melspectrogram.onnx");

        assertThatThrownBy(() -> ModelFile.read(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model file not found: " + missing + " (run src/build/fetch-models.sh, or point to the"
                        + " model folder: --models-dir for the commands, headstream.models-dir for the adapter)");
    }
}
