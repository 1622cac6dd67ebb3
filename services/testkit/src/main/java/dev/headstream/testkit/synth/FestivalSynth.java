package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.EngineTools;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.ToolRunner;
import dev.headstream.runtime.speech.Voice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Synthesizes speech with Festival and {@code sox} (Debian packages {@code festival}, the voice
 * packages in {@link #VOICE_PACKAGES}, and {@code sox}).
 *
 * <p>Every request is one {@code festival --batch jobs.scm} run with one job: in one process,
 * some utterances came out with other samples from run to run, which made two builds of the same
 * bank recipe differ, while each utterance alone was bit-identical (what was seen, and what it
 * costs the bank build: {@code docs/bank/README.md}). So a {@link #synthesizeAll batch} costs
 * Festival's start-up per utterance. The job does
 * what {@code text2wave -eval '(voice_NAME)'} does with the text in a file (select the voice,
 * {@code tts_file}, join the utterances' waves), except that it skips utterances without a letter
 * or digit (Festival 2.5 crashes on one, e.g. the {@code ...} after a question mark in
 * {@code "so? ... How"}), and writes one RIFF file, which {@code sox} turns into 16 kHz mono int16
 * with dither off. The request's espeak-ng units map to the voice's own delivery
 * ({@link SynthRequest}):
 * <ul>
 *   <li>diphone voices: {@code Duration_Stretch} times {@code 1 / rateFactor} and
 *       {@code int_lr_params}' {@code target_f0_mean} times {@code pitchFactor};</li>
 *   <li>HTS voices ({@code *_hts}, 32 kHz out): the hts_engine speed option {@code -r rateFactor}, and
 *       sox {@code pitch} for the pitch (their F0 comes from the HTS model, and this Festival
 *       build ignores {@code -fm});</li>
 *   <li>all: amplitude as sox {@code vol amplitude/100}, tempo as sox {@code tempo -s}.</li>
 * </ul>
 *
 * <p>Thread-safe: instances hold only immutable configuration and the {@link #identity()} once
 * it is known (in a volatile field).
 */
public final class FestivalSynth implements Synthesizer {

    /** The Debian package of each Festival voice this project uses. */
    public static final Map<String, String> VOICE_PACKAGES = Map.of(
            "kal_diphone", "festvox-kallpc16k",
            "ked_diphone", "festvox-kdlpc16k",
            "cmu_us_slt_arctic_hts", "festvox-us-slt-hts");

    /** Part of the identity: v2 since every request runs in its own process (v1 batched them, not reproducibly). */
    private static final String MAPPING = "festival-prosody-v2";

    private static final String PRELUDE = """
            (define (hs_speakable utt)
              (let ((found nil))
                (mapcar (lambda (tok) (if (string-matches (item.name tok) ".*[A-Za-z0-9].*") (set! found t)))
                        (utt.relation.items utt 'Token))
                found))
            (set! hs_utts nil)
            (set! tts_hooks (list (lambda (utt) (if (hs_speakable utt) (set! hs_utts (cons (utt.synth utt) hs_utts))))))
            (define (hs_scale_f0 params factor)
              (mapcar (lambda (p) (if (eq? (car p) 'target_f0_mean) (list 'target_f0_mean (* factor (cadr p))) p))
                      params))
            (define (hs_job voice textfile outfile stretch f0factor htsrate)
              (eval (list voice))
              (Parameter.set 'Duration_Stretch (* stretch (Parameter.get 'Duration_Stretch)))
              (set! int_lr_params (hs_scale_f0 int_lr_params f0factor))
              (if (not (equal? htsrate 1))
                  (set! hts_engine_params (append hts_engine_params (list (list "-r" htsrate)))))
              (set! hs_utts nil)
              (tts_file textfile nil)
              (let ((w nil))
                (mapcar (lambda (u) (if w (wave.append w (utt.wave u)) (set! w (utt.wave u)))) (reverse hs_utts))
                (wave.save w outfile 'riff)))
            """;

    private final EngineTools tools;

    /** Uses {@code festival} and {@code sox} from the {@code PATH}, {@link SpeechSynth#DEFAULT_TIMEOUT} and the system temp dir. */
    public FestivalSynth() {
        this("festival", "sox", SpeechSynth.DEFAULT_TIMEOUT, null);
    }

    /**
     * @param festivalCommand the festival executable (name on the {@code PATH} or a path)
     * @param soxCommand      the sox executable
     * @param timeout         the longest one tool invocation (one utterance) may run before it is killed
     * @param tempRoot        where per-call temporary directories go; {@code null} for the system default
     */
    public FestivalSynth(String festivalCommand, String soxCommand, Duration timeout, Path tempRoot) {
        this.tools = new EngineTools(
                "festival",
                Objects.requireNonNull(festivalCommand, "festivalCommand"),
                soxCommand,
                timeout,
                tempRoot,
                Set.of(0),
                ";" + MAPPING);
    }

    /** Whether {@code voice} is an HTS voice (named {@code ..._hts}). */
    public static boolean isHts(Voice voice) {
        return voice.name().endsWith("_hts");
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        return synthesizeAll(List.of(request)).get(0);
    }

    /** Makes the {@code requests} one Festival run (and one sox run) each, in order. */
    @Override
    public List<short[]> synthesizeAll(List<SynthRequest> requests) {
        for (SynthRequest request : requests) {
            if (request.voice().engine() != Engine.FESTIVAL) {
                throw new IllegalArgumentException("FestivalSynth speaks Festival voices only, not "
                        + request.voice().id());
            }
        }
        List<short[]> out = new ArrayList<>(requests.size());
        for (SynthRequest request : requests) {
            out.add(tools.inTempDir(dir -> synthesizeIn(dir, request)));
        }
        return out;
    }

    private short[] synthesizeIn(Path dir, SynthRequest request) {
        Path text = dir.resolve("text.txt");
        ToolRunner.writeText(text, request.text() + "\n");
        boolean hts = isHts(request.voice());
        Path wav = dir.resolve("festival.wav");
        String script = PRELUDE
                + String.format(
                        Locale.ROOT,
                        "(hs_job 'voice_%s %s %s %.6f %.6f %s)%n",
                        request.voice().name(),
                        quote(text),
                        quote(wav),
                        hts ? 1.0 : 1 / request.rateFactor(),
                        hts ? 1.0 : request.pitchFactor(),
                        hts && request.speedWpm() != SynthRequest.REFERENCE_SPEED_WPM
                                ? String.format(Locale.ROOT, "%.6f", request.rateFactor())
                                : "1");
        Path jobs = dir.resolve("jobs.scm");
        ToolRunner.writeText(jobs, script);
        try {
            runFestival(dir, jobs, request);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; request: " + request.canonical(), e);
        }
        if (!Files.isRegularFile(wav)) {
            throw new IllegalStateException("festival wrote no audio for " + request.canonical());
        }
        return tools.toPcm(dir, wav, soxEffects(request), request);
    }

    private void runFestival(Path dir, Path jobs, SynthRequest request) {
        try {
            tools.run(dir, List.of("--batch", jobs.toString()), tools.timeout());
        } catch (IllegalStateException e) {
            String message = e.getMessage();
            String name = request.voice().name();
            if (message.contains("unbound variable : voice_" + name)) {
                String pkg = VOICE_PACKAGES.getOrDefault(name, "that provides voice_" + name);
                throw new IllegalStateException(
                        message + "; Festival has no voice " + name + ": install the Debian package " + pkg
                                + " (apt-get install " + pkg + ")",
                        e);
            }
            throw e;
        }
    }

    private static List<String> soxEffects(SynthRequest request) {
        List<String> effects = new ArrayList<>();
        if (isHts(request.voice()) && request.pitch() != SynthRequest.REFERENCE_PITCH) {
            effects.addAll(SoxProsody.pitch(request));
        }
        effects.addAll(SoxProsody.tempoAndLevel(request));
        return effects;
    }

    /** A Scheme string literal. */
    private static String quote(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs {@code festival --version} and {@code sox --version} once.
     */
    @Override
    public String identity() {
        return tools.identity();
    }

    @Override
    public String toString() {
        return "FestivalSynth[" + tools + "]";
    }
}
