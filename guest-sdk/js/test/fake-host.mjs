// A fake of the world's host interface: one process with a mailbox held in memory. `recv`
// past the end "waits" by moving the clock on by the whole timeout, after delivering the
// next of `arriving` if there is one (as the Rust SDK's FakeMailbox does).

/** Thrown by `exit`: the host would end the process there. */
export class Exited extends Error {
  constructor(reason) {
    super(`exited: ${reason.tag}`);
    this.reason = reason;
  }
}

/** The fake's state; `reset` sets it up for each test. */
export const fake = {};

export function reset({ self = 10, parent = 1 } = {}) {
  Object.assign(fake, {
    self,
    parent,
    clock: 1000,
    queue: [],
    arriving: [],
    sent: [],
    monitors: new Map(),
    demonitored: [],
    nextRef: 100,
    recvCalls: 0,
    written: [],
    spawned: [],
    nodeMonitors: [],
    monitorsNodes: false,
  });
}
reset();

/** The error the bindings throw for an error-code. */
function code(name) {
  const e = new Error(name);
  e.payload = name;
  return e;
}

/** A user message as the bindings give it. */
export const user = (sender, text) => ({
  tag: "user",
  val: { sender, data: new TextEncoder().encode(text) },
});

/** A DOWN message as the bindings give it. */
export const down = (pid, monitor, reason = { tag: "normal" }) => ({
  tag: "down",
  val: { pid, monitor, reason },
});

/** What `write` wrote to `to` ("stdout" or "stderr"), as text. */
export const writtenText = (to) =>
  new TextDecoder().decode(
    new Uint8Array(fake.written.filter(([t]) => t === to).flatMap(([, d]) => [...d])),
  );

/** The JSON of what was sent, in order, as [to, value]. */
export const sentJson = () =>
  fake.sent.map(([to, d]) => [to, JSON.parse(new TextDecoder().decode(d))]);

export default {
  selfPid: () => fake.self,
  parent: () => fake.parent,
  nowMs: () => fake.clock,
  nodeName: () => "nonode",
  // A node alone, that knows pid 77 as one of node "b" (as after a disconnection).
  nodes: () => [],
  pidNode: (pid) => (pid === 77 ? "b" : "nonode"),
  monitorNode(node, on) {
    if (node === "" || new TextEncoder().encode(node).length > 255) throw code("bad-name");
    if (on) fake.queue.push({ tag: "nodedown", val: node });
    fake.nodeMonitors.push([node, on]);
  },
  monitorNodes(on) {
    fake.monitorsNodes = on;
  },
  spawnAt(node, module, args, link, monitor) {
    if (node !== "nonode") throw code("noproc");
    fake.spawned.push([module, args, link, monitor]);
    return { pid: 500 + fake.spawned.length, monitor: monitor ? fake.nextRef++ : null };
  },
  args: () => new Uint8Array(0),
  makeRef: () => fake.nextRef++,
  recv(index, timeout) {
    fake.recvCalls++;
    if (index >= fake.queue.length) {
      if (timeout === 0) throw code("timeout");
      const next = fake.arriving.shift();
      if (next === undefined) {
        if (timeout === null) throw new Error("the fake cannot wait forever");
        fake.clock += timeout;
        throw code("timeout");
      }
      fake.clock += 1;
      fake.queue.push(next);
    }
    return fake.queue[index];
  },
  take(index) {
    if (index >= fake.queue.length) throw code("no-message");
    fake.queue.splice(index, 1);
  },
  mailboxLen: () => fake.queue.length,
  send(to, data) {
    fake.sent.push([to, data]);
  },
  sendNamed(name, data) {
    if (name !== "known") throw code("not-registered");
    fake.sent.push([name, data]);
  },
  sendNamedAt(name, node, data) {
    // On this node as sendNamed; another node's answer is not known here.
    if (node === "nonode" && name !== "known") throw code("not-registered");
    fake.sent.push([node === "nonode" ? name : `${name}@${node}`, data]);
  },
  whereis: (name) => (name === "known" ? 77 : null),
  monitor(pid) {
    const ref = fake.nextRef++;
    fake.monitors.set(ref, pid);
    return ref;
  },
  demonitor(ref, flush) {
    fake.demonitored.push([ref, flush]);
    if (flush) fake.queue = fake.queue.filter((m) => !(m.tag === "down" && m.val.monitor === ref));
    if (!fake.monitors.delete(ref)) throw code("not-found");
  },
  exit(reason) {
    throw new Exited(reason);
  },
  write(to, data) {
    // The bindings trap on anything but a case of `enum output` and bytes.
    if (to !== "stdout" && to !== "stderr") throw new Error(`write: not an output: ${to}`);
    if (!(data instanceof Uint8Array)) throw new Error("write: not bytes");
    fake.written.push([to, data]);
  },
};
