package dev.headstream.tools.speakers;

import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every clip of one {@code bench-speakers} run, by the role it plays: the members' enrollment and
 * held-out clips (speakers of the catalog's USERS part), the outside voices (EVALUATION), the
 * clips the transforms and the z-norm and PLDA statistics are learned from (TRAIN) and the clips
 * the open-set threshold is calibrated on (CALIBRATION). Immutable.
 *
 * @param groups each role's speaker groups, with their voices, in catalog order
 * @param clips  each role's clips, in the order {@link #all()} lists them
 */
public record ClipPlan(
        Map<Role, Map<String, List<CatalogVoice>>> groups, Map<Role, List<SpeakerSpeech.PlannedClip>> clips) {

    /** What a clip is used for, and the catalog part its speaker comes from. */
    public enum Role {
        MEMBER(Part.USERS),
        OUTSIDE(Part.EVALUATION),
        TRAINING(Part.TRAIN),
        CALIBRATION(Part.CALIBRATION);

        private final Part part;

        Role(Part part) {
            this.part = part;
        }

        /** The catalog part whose speakers play this role. */
        public Part part() {
            return part;
        }
    }

    public ClipPlan {
        groups = Map.copyOf(groups);
        clips = Map.copyOf(clips);
    }

    /** The speaker groups of {@code role}'s catalog part, each with its voices. */
    public static Map<String, List<CatalogVoice>> groups(VoiceCatalog catalog, Role role) {
        return SpeakerSpeech.groups(catalog, role.part());
    }

    /**
     * The clips of a run: {@code enroll} then {@code test} clips of every member of every household
     * (drawn from {@code groups(catalog, MEMBER)}), {@code outside} clips of every outside speaker,
     * {@code training} clips of every TRAIN speaker and {@code calibration} clips of every
     * CALIBRATION speaker.
     */
    public static ClipPlan of(
            VoiceCatalog catalog,
            long seed,
            List<Households.Household> households,
            int enroll,
            int test,
            int outside,
            int training,
            int calibration) {
        Map<Role, Map<String, List<CatalogVoice>>> groups = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            groups.put(r, groups(catalog, r));
        }
        Map<Role, List<SpeakerSpeech.PlannedClip>> clips = new EnumMap<>(Role.class);
        List<SpeakerSpeech.PlannedClip> members = new ArrayList<>();
        for (Households.Household h : households) {
            for (String g : h.members()) {
                List<CatalogVoice> voices = groups.get(Role.MEMBER).get(g);
                if (voices == null) {
                    throw new IllegalArgumentException(
                            "household " + h.id() + ": " + g + " is not a speaker of the " + Part.USERS + " part");
                }
                members.addAll(SpeakerSpeech.member(seed, h.id(), g, voices, enroll, test));
            }
        }
        clips.put(Role.MEMBER, List.copyOf(members));
        clips.put(Role.OUTSIDE, SpeakerSpeech.outside(seed, groups.get(Role.OUTSIDE), outside));
        clips.put(Role.TRAINING, SpeakerSpeech.training(seed, "training", groups.get(Role.TRAINING), training));
        clips.put(
                Role.CALIBRATION,
                SpeakerSpeech.training(seed, "calibration", groups.get(Role.CALIBRATION), calibration));
        return new ClipPlan(groups, clips);
    }

    /** Every clip: the members', the outside voices', the training and the calibration clips. */
    public List<SpeakerSpeech.PlannedClip> all() {
        List<SpeakerSpeech.PlannedClip> out = new ArrayList<>();
        for (Role r : Role.values()) {
            out.addAll(clips.get(r));
        }
        return out;
    }

    /** The speaker groups whose clips play {@code role}. */
    public Set<String> speakers(Role role) {
        Set<String> out = new LinkedHashSet<>();
        clips.get(role).forEach(c -> out.add(c.group()));
        return out;
    }

    /**
     * {@code role}'s part of {@code rendered}, a list in the order of {@link #all()} (such as
     * {@link SpeakerSpeech#render}'s result).
     */
    public <T> List<T> of(Role role, List<T> rendered) {
        int total = 0;
        int from = -1;
        for (Role r : Role.values()) {
            if (r == role) {
                from = total;
            }
            total += clips.get(r).size();
        }
        if (rendered.size() != total) {
            throw new IllegalArgumentException(rendered.size() + " rendered clips for a plan of " + total);
        }
        return List.copyOf(rendered.subList(from, from + clips.get(role).size()));
    }
}
