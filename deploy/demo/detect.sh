#!/bin/sh
# docker-compose.yml's detector: a wake-word detector on a stream of synthesized speech (the demo
# user's voice saying "hey jarvis" now and then between other phrases, at about the speed of real
# audio), scored by 'headstream detect' with the user's newest head, which it follows on
# headstream.heads as the follower's Kafka user ($HEADSTREAM_KAFKA_CONFIG) and hot-swaps when the
# adapter publishes a new version. Runs in the tools image, the models mounted at /models.
#
# Environment: DEMO_TENANT (demo), DEMO_USER (alice), DEMO_VOICE (en-us+f3), KAFKA_BOOTSTRAP (kafka:9092).
set -eu

tenant=${DEMO_TENANT:-demo}
user=${DEMO_USER:-alice}
voice=${DEMO_VOICE:-en-us+f3}
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# raw 16 kHz mono signed 16-bit little-endian PCM on standard output, forever: 2.5 s per phrase
speech() {
  i=0
  while :; do
    case $((i % 4)) in
      0) text="hey jarvis" ;;
      1) text="what is the weather like today" ;;
      2) text="please call my sister" ;;
      *) text="hey travis" ;;
    esac
    espeak-ng -v "$voice" -s $((150 + (i * 13) % 40)) -w "$work/raw.wav" "$text"
    sox -V1 "$work/raw.wav" -t raw -r 16000 -c 1 -b 16 -e signed-integer -L - pad 0.5 3 trim 0 2.5
    sleep 2
    i=$((i + 1))
  done
}

speech | headstream detect --bootstrap "$bootstrap" --kafka-config "${HEADSTREAM_KAFKA_CONFIG:?}" \
  --models-dir /models --head "$tenant/$user/wake" --wait PT1H -
