package dev.headstream.testkit.synth;

import java.util.List;

/** The phrases synthetic speakers say. */
public final class Phrases {

    /** The wake word every positive clip ends with. */
    public static final String WAKE_WORD = "hey jarvis";

    /** Positive phrases: the wake word at the end of a short carrier. */
    public static final List<String> POSITIVE = List.of(
            "hey jarvis",
            "okay hey jarvis",
            "um hey jarvis",
            "so, hey jarvis",
            "oh, hey jarvis",
            "alright, hey jarvis",
            "well, hey jarvis");

    /** Everyday negative phrases, including other assistants' wake words. */
    public static final List<String> EVERYDAY = List.of(
            "what time is it",
            "turn on the lights",
            "hey google",
            "hello there",
            "play some music",
            "what's the weather like today",
            "set a timer for ten minutes",
            "turn off the kitchen lights",
            "call mom",
            "good morning",
            "how are you doing",
            "open the garage door",
            "read my messages",
            "remind me to buy milk",
            "what's on my calendar",
            "stop the music",
            "volume up",
            "next song please",
            "alexa, what's up",
            "okay google",
            "thank you very much",
            "see you later",
            "where are my keys",
            "let's go for a walk",
            "the coffee is ready",
            "close the window",
            "is it going to rain",
            "dinner is at seven",
            "I need a break",
            "can you hear me",
            "pass the salt please",
            "lock the front door",
            "how far is the station",
            "start the dishwasher",
            "what's for lunch",
            "good night",
            "let me think about it",
            "that sounds great",
            "turn the heating down",
            "hey there, how's it going");

    /** Near misses: phrases that sound like the wake word. At most 10 % of any speaker's negatives. */
    public static final List<String> NEAR_MISS =
            List.of("hey travis", "hey jarvin", "hey marvis", "hey davis", "hey service", "a jar of this");

    /** Largest share of a speaker's negatives that are near misses. */
    public static final double MAX_NEAR_MISS_SHARE = 0.10;

    private Phrases() {}
}
