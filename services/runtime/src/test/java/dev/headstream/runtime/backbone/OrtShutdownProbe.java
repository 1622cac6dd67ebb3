package dev.headstream.runtime.backbone;

import dev.headstream.core.embed.BackboneInput;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A child JVM for {@link OrtShutdownTest}: loads the backbone, keeps two daemon threads embedding
 * random clips of growing length (1 to 9.75 s) without a pause, and calls {@code System.exit(0)} while they run, with a hook of
 * its own that holds the shutdown open for 0.7 s (as a service's hooks do), so that the JVM's
 * shutdown hooks meet model runs in flight. Prints how many clips were embedded.
 */
public final class OrtShutdownProbe {

    private OrtShutdownProbe() {}

    public static void main(String[] args) throws Exception {
        long runMillis = Long.parseLong(args[0]);
        WakeWordBackbone backbone = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        int[] embedded = new int[2];
        for (int k = 0; k < 2; k++) {
            int id = k;
            Thread t = new Thread(
                    () -> {
                        SplittableRandom r = new SplittableRandom(id);
                        int n = 0;
                        while (true) {
                            // longer and longer clips: ONNX Runtime's memory arena keeps growing, and
                            // it logs each growth through the environment's default logger
                            short[] pcm = new short[16_000 + (1_600 * n++) % 140_000];
                            for (int i = 0; i < pcm.length; i++) {
                                pcm[i] = (short) r.nextInt(-3000, 3000);
                            }
                            try {
                                backbone.embed(List.of(new BackboneInput.Audio(16_000, pcm)));
                                embedded[id]++;
                            } catch (IllegalStateException e) {
                                return; // shutting down: no run starts any more
                            }
                        }
                    },
                    "probe-embed-" + k);
            t.setDaemon(true);
            t.start();
        }
        // holds the shutdown open for a while, as a service's own hooks do (Quarkus closing its beans),
        // then says whether the environment was released by then
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println("probe: released " + OrtGate.released() + ", in flight " + OrtGate.inFlight());
            System.out.flush();
        }));
        Thread.sleep(runMillis);
        System.out.println("probe: " + (embedded[0] + embedded[1]) + " clips embedded; exiting with "
                + OrtGate.inFlight() + " runs in flight");
        System.out.flush();
        System.exit(0);
    }
}
