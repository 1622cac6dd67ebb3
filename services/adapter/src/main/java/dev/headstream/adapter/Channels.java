package dev.headstream.adapter;

/** Reactive Messaging channel names, shared by code, configuration and tests. */
public final class Channels {

    /** Incoming batches from {@code headstream.samples}. */
    public static final String SAMPLES = "samples";
    /** Transactional outgoing channel; each record names its topic (heads, metrics, rejected). */
    public static final String OUT = "adapter-out";

    private Channels() {}
}
