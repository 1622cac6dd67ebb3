package dev.headstream.cli.evaluate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one evaluation scored, before any rate is computed: the users, each user's heads
 * (the source head, then the user's adapted head if there is one), every clip's scores and the
 * speech scores of every distinct head. {@link EvalReport} turns it into rates. Immutable.
 *
 * @param users         users, sorted
 * @param source        the source head, evaluated for every user
 * @param adapted       each user's adapted head (users without one are missing); one head may serve several users
 * @param clips         each user's scored clips (positives first)
 * @param speech        the speech scores of {@link #heads()}
 * @param clipSeconds   wall time of reading, embedding and scoring the clips
 * @param speechSeconds wall time of reading, embedding and scoring the speech
 */
public record EvalRun(
        List<String> users,
        EvalHead source,
        Map<String, EvalHead> adapted,
        Map<String, List<ClipScore>> clips,
        SpeechScores speech,
        double clipSeconds,
        double speechSeconds) {

    public EvalRun {
        users = List.copyOf(users);
        Objects.requireNonNull(source, "source");
        adapted = Collections.unmodifiableMap(new LinkedHashMap<>(adapted));
        clips = Collections.unmodifiableMap(new LinkedHashMap<>(clips));
        Objects.requireNonNull(speech, "speech");
    }

    /** The heads scored for {@code user}: the source head, then the user's adapted head if any. */
    public List<EvalHead> headsOf(String user) {
        EvalHead a = adapted.get(user);
        return a == null ? List.of(source) : List.of(source, a);
    }

    /** Every distinct head: the source head first, then the adapted heads in user order. */
    public List<EvalHead> heads() {
        return distinctHeads(source, users, adapted);
    }

    /** The distinct adapted heads, in user order. */
    public List<EvalHead> adaptedHeads() {
        List<EvalHead> all = heads();
        return all.subList(1, all.size());
    }

    /** The source head and the distinct adapted heads of {@code users}, in that order. */
    static List<EvalHead> distinctHeads(EvalHead source, List<String> users, Map<String, EvalHead> adapted) {
        Set<EvalHead> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<EvalHead> out = new ArrayList<>();
        seen.add(source);
        out.add(source);
        for (String u : users) {
            EvalHead h = adapted.get(u);
            if (h != null && seen.add(h)) {
                out.add(h);
            }
        }
        return out;
    }
}
