// Times ONNX models in ONNX Runtime's CPU execution provider through the
// onnxruntime-node package (npm), for bench/ort/compare.py on machines where
// the onnxruntime Python wheel cannot be installed.
//
//   node time.js JOBS.json RESULTS.json
//
// JOBS.json: {"ort": "<dir holding node_modules/onnxruntime-node>",
//             "jobs": [{"model": "m.onnx", "input": "a.f32", "m": 32, "k":
//             4096,
//                       "threads": 1, "output": "y.f32", "min_seconds": 0.3},
//                       ...]}
// The input file holds m x k little-endian float32 values (input "A"). Each job
// writes its first output ("Y", float32) to `output`, so the caller checks the
// numerics, and reports the median time of one session.run over at least
// min_seconds (and at least 5 runs) after 3 warm-up runs. The per-run cost of
// node's binding is measured too (a 1-element Identity model) and reported as
// `overhead_us`, so the caller can say how much of a short run it is.
'use strict';
const fs = require('fs');
const path = require('path');

function median(xs) {
  const s = [...xs ].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeRuns(sess, feeds, minSeconds) {
  for (let i = 0; i < 3; ++i)
    await sess.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e9 < minSeconds ||
         times.length < 5) {
    const t0 = process.hrtime.bigint();
    await sess.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return median(times);
}

async function main() {
  const [jobsPath, resultsPath] = process.argv.slice(2);
  if (!jobsPath || !resultsPath) {
    console.error('usage: node time.js JOBS.json RESULTS.json');
    process.exit(2);
  }
  const spec = JSON.parse(fs.readFileSync(jobsPath, 'utf8'));
  const ort = require(path.join(spec.ort, 'node_modules', 'onnxruntime-node'));
  const results = {
    version : ort.env.versions ? ort.env.versions.node : 'unknown',
    jobs : []
  };
  const sessions = new Map();
  for (const job of spec.jobs) {
    const key = `${job.model}|${job.threads}`;
    if (!sessions.has(key)) {
      for (const s of sessions.values())
        await s.release();
      sessions.clear();
      sessions.set(key, await ort.InferenceSession.create(job.model, {
        executionProviders : [ 'cpu' ],
        intraOpNumThreads : job.threads,
        interOpNumThreads : 1,
        executionMode : 'sequential',
        graphOptimizationLevel : 'all',
      }));
    }
    const sess = sessions.get(key);
    const buf = fs.readFileSync(job.input);
    const a = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    if (a.length !== job.m * job.k)
      throw new Error(
          `${job.input}: ${a.length} values, expected ${job.m * job.k}`);
    const feeds = {A : new ort.Tensor('float32', a, [ job.m, job.k ])};
    const out = (await sess.run(feeds)).Y;
    fs.writeFileSync(
        job.output,
        Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
    const us = await timeRuns(sess, feeds, job.min_seconds || 0.3);
    results.jobs.push({...job, us});
    console.error(`[bench/ort] ${path.basename(job.model)} m=${job.m} t=${
        job.threads}: ${us.toFixed(1)} us`);
  }
  for (const s of sessions.values())
    await s.release();
  if (spec.identity) {
    const sess = await ort.InferenceSession.create(spec.identity,
                                                   {intraOpNumThreads : 1});
    const feeds = {
      A : new ort.Tensor('float32', new Float32Array(1), [ 1, 1 ])
    };
    results.overhead_us = await timeRuns(sess, feeds, 0.2);
    await sess.release();
  }
  fs.writeFileSync(resultsPath, JSON.stringify(results, null, 1));
}

main().catch((e) => {
  console.error(`[bench/ort] error: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
