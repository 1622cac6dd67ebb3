#!/bin/sh
# docker-compose.yml's producer: synthesizes one demo user's labeled clips with espeak-ng and sox
# (the user's voice saying "hey jarvis", and other phrases, at varied speed and pitch; 2.5 s each,
# 16 kHz mono 16-bit) and streams them into headstream.samples with 'headstream produce', as the
# producer's Kafka user ($HEADSTREAM_KAFKA_CONFIG). Runs in the tools image.
#
# Environment: DEMO_TENANT (demo), DEMO_USER (alice), DEMO_VOICE (en-us+f3), DEMO_CLIPS (12 of
# each label), KAFKA_BOOTSTRAP (kafka:9092).
set -eu

tenant=${DEMO_TENANT:-demo}
user=${DEMO_USER:-alice}
voice=${DEMO_VOICE:-en-us+f3}
clips=${DEMO_CLIPS:-12}
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# speak TEXT SPEED PITCH OUT: one 2.5 s clip, the speech 0.5 s in
speak() {
  espeak-ng -v "$voice" -s "$2" -p "$3" -w "$work/raw.wav" "$1"
  sox -V1 "$work/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$4" pad 0.5 3 trim 0 2.5
}

set -- "good morning" "hey travis" "what time is it" "turn on the lights" "hello there" "jar of jam"
others=$#
manifest="$work/clips.csv"
echo "file,label" >"$manifest"
i=0
while [ "$i" -lt "$clips" ]; do
  speed=$((140 + (i * 7) % 50))
  pitch=$((35 + (i * 11) % 30))
  n=$(printf '%02d' "$i")
  speak "hey jarvis" "$speed" "$pitch" "$work/positive-$n.wav"
  # the user's other speech, the phrases in turn
  k=$((i % others + 1))
  eval "phrase=\${$k}"
  speak "$phrase" "$speed" "$pitch" "$work/negative-$n.wav"
  # interleaved, as a user would record them
  printf 'positive-%s.wav,positive\nnegative-%s.wav,negative\n' "$n" "$n" >>"$manifest"
  i=$((i + 1))
done
echo "producer: $((2 * clips)) clips of $tenant/$user synthesized ($voice); sending to $bootstrap"
exec headstream produce --bootstrap "$bootstrap" --kafka-config "${HEADSTREAM_KAFKA_CONFIG:?}" \
  --tenant "$tenant" --user "$user" --task wake --manifest "$manifest"
