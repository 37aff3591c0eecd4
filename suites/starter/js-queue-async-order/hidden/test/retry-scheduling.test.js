'use strict';

// Retried tasks must obey the same rules as every other task: the
// concurrency limit, onIdle(), FIFO order and pause().

const test = require('node:test');
const assert = require('node:assert/strict');
const { TaskQueue } = require('..');
const { FakeClock, deferred, flush } = require('./helpers/fake-clock');

// A task that records when it runs; each attempt is settled by the test.
function scripted(name, log, running) {
  const attempts = [];
  const fn = () => {
    const d = deferred();
    attempts.push(d);
    running.now++;
    running.max = Math.max(running.max, running.now);
    log.push(`${name}#${attempts.length}`);
    return d.promise.finally(() => { running.now--; });
  };
  return { name, fn, attempts };
}

// Lets every remaining attempt succeed, whatever order the queue runs them in.
async function drain(clock, tasks) {
  for (let round = 0; round < 10; round++) {
    for (const t of tasks) for (const d of t.attempts) d.resolve(t.name);
    await clock.tick(1000);
  }
}

test('never runs more than `concurrency` tasks when a task is retried', async () => {
  const clock = new FakeClock();
  const q = new TaskQueue({ concurrency: 2, retries: 1, backoff: 100, timers: clock });
  const log = [];
  const running = { now: 0, max: 0 };
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => scripted(n, log, running));
  const results = [a, b, c, d].map((t) => q.add(t.fn));
  await flush();
  assert.deepEqual(log, ['a#1', 'b#1']);

  a.attempts[0].reject(new Error('flaky'));   // a waits 100 ms, c takes its slot
  await flush();
  assert.deepEqual(log, ['a#1', 'b#1', 'c#1']);

  await clock.tick(100);                       // b and c still run: a must wait
  assert.equal(running.max, 2, `ran ${running.max} tasks at once: ${log.join(' ')}`);
  assert.equal(q.pending, 2);

  b.attempts[0].resolve('b');
  await flush();
  assert.equal(running.max, 2);
  assert.equal(q.pending, 2);
  await drain(clock, [a, b, c, d]);
  assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
  assert.equal(running.max, 2, `ran ${running.max} tasks at once: ${log.join(' ')}`);
  assert.equal(a.attempts.length, 2);
});

test('onIdle waits for a task that is waiting to be retried', async () => {
  const clock = new FakeClock();
  const q = new TaskQueue({ retries: 2, backoff: 50, timers: clock });
  const log = [];
  const running = { now: 0, max: 0 };
  const a = scripted('a', log, running);
  const result = q.add(a.fn);
  let idle = false;
  q.onIdle().then(() => { idle = true; });

  a.attempts[0].reject(new Error('try again'));
  await flush();
  assert.equal(idle, false, 'onIdle resolved while a retry was scheduled');
  await clock.tick(50);
  assert.deepEqual(log, ['a#1', 'a#2']);
  assert.equal(idle, false);
  a.attempts[1].resolve('done');
  await flush();
  assert.equal(idle, true);
  assert.equal(await result, 'done');

  // the same when the last attempt fails
  const b = scripted('b', log, running);
  const failing = q.add(b.fn, { retries: 1 });
  const rejected = assert.rejects(failing, /second/);
  let idle2 = false;
  q.onIdle().then(() => { idle2 = true; });
  b.attempts[0].reject(new Error('first'));
  await clock.tick(49);
  assert.equal(idle2, false);
  await clock.tick(1);
  b.attempts[1].reject(new Error('second'));
  await rejected;
  await flush();
  assert.equal(idle2, true);
});

test('a retried task goes back to the head of the queue', async () => {
  const clock = new FakeClock();
  const q = new TaskQueue({ concurrency: 1, retries: 1, backoff: 10, timers: clock });
  const log = [];
  const running = { now: 0, max: 0 };
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => scripted(n, log, running));
  const results = [a, b, c, d].map((t) => q.add(t.fn));
  await flush();
  a.attempts[0].reject(new Error('flaky'));   // b starts while a backs off
  await flush();
  await clock.tick(10);                        // a is due again, b still runs
  assert.equal(q.size, 3, 'a should be waiting in the queue with c and d');
  b.attempts[0].resolve('b');
  await flush();
  assert.deepEqual(log, ['a#1', 'b#1', 'a#2'], 'a should run before c and d');
  a.attempts[1].resolve('a');
  await flush();
  c.attempts[0].resolve('c');
  await flush();
  d.attempts[0].resolve('d');
  assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
  assert.deepEqual(log, ['a#1', 'b#1', 'a#2', 'c#1', 'd#1']);
});

test('a retry that falls due while the queue is paused waits for resume()', async () => {
  const clock = new FakeClock();
  const q = new TaskQueue({ concurrency: 2, retries: 1, backoff: 10, timers: clock });
  const log = [];
  const running = { now: 0, max: 0 };
  const a = scripted('a', log, running);
  const result = q.add(a.fn);
  await flush();
  q.pause();
  a.attempts[0].reject(new Error('flaky'));
  await clock.tick(100);
  assert.deepEqual(log, ['a#1'], 'retry started although the queue is paused');
  assert.equal(q.size, 1);
  q.resume();
  await flush();
  assert.deepEqual(log, ['a#1', 'a#2']);
  a.attempts[1].resolve('ok');
  assert.equal(await result, 'ok');
});
