package dev.headstream.testkit.synth;

import java.util.List;
import java.util.stream.Stream;

/**
 * Everything {@link SyntheticUsers#generate} renders.
 *
 * @param users      the users, in id order, each with its stream
 * @param background the background speakers' clips (negative phrases only, split TRAIN): a
 *                   reference set of other people's speech, e.g. for rehearsal negatives
 */
public record SyntheticPopulation(List<SyntheticUser> users, List<SyntheticClip> background) {

    public SyntheticPopulation {
        users = List.copyOf(users);
        background = List.copyOf(background);
    }

    /** Every clip: the users' streams one after the other, then the background clips. */
    public Stream<SyntheticClip> allClips() {
        return Stream.concat(users.stream().flatMap(u -> u.stream().stream()), background.stream());
    }
}
