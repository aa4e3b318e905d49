// {{name}}: a Hatchery server (a gen_server) written in JavaScript. It registers itself as
// "{{name}}", greets whoever a cast names, answers calls about what it did, and keeps its
// state when a new version of the module is loaded while it runs.
//
// Messages (JSON, the gen_server protocol of Hatchery's guest ABI):
//
//   {"$cast": {"greet": "Ada"}}            prints "{{name}}: Hello, Ada! (greeting #1)"
//   {"$call": {"ref": 1, "req": "count"}}  replies with the number of greetings
//   {"$call": {"ref": 1, "req": "last"}}   replies with the last name greeted, or null

import { ExitReason, exit, print, register, selfPid, serve } from "./hatchery/index.js";

/** The module's name, and the name the server registers under. */
const NAME = "{{name}}";

class Hello {
  // The constructor runs when the module is built (its top level is snapshotted), so it
  // only sets the starting state; work with the node belongs in init.
  constructor() {
    this.count = 0;
    this.last = null;
  }

  /** Runs once, when the process starts (the export `start`; not after a hot swap). */
  init() {
    try {
      register(NAME);
    } catch (e) {
      print(`${NAME}: cannot register as ${NAME}: ${e.message}`);
      exit(ExitReason.custom("name_taken"));
    }
    print(`${NAME}: hello from JavaScript! I am ${selfPid()}, registered as ${NAME}`);
  }

  /** Answers "count" and "last"; the return value is the reply. */
  handleCall(request) {
    switch (request) {
      case "count":
        return this.count;
      case "last":
        return this.last;
      default:
        return { error: `unknown request: ${JSON.stringify(request)}` };
    }
  }

  /** Greets: {"greet": NAME}. */
  handleCast(message) {
    if (typeof message?.greet !== "string") {
      print(`${NAME}: ignoring the cast ${JSON.stringify(message)}`);
      return;
    }
    this.count += 1;
    this.last = message.greet;
    print(`${NAME}: Hello, ${this.last}! (greeting #${this.count})`);
  }

  /** Any other message (plain bytes, other JSON, exit and down messages). */
  handleInfo(message) {
    print(`${NAME}: got ${message}`);
  }

  /** Hands the state to the next version of the module (any JSON value). */
  save() {
    return { count: this.count, last: this.last };
  }

  /**
   * Takes the state an older version saved (or this one, when the process wakes from
   * hibernation). Throwing refuses the upgrade: the process stays on the old version.
   */
  codeChange(oldVersion, state) {
    if (!Number.isInteger(state?.count)) {
      throw new Error(`cannot read the state of v${oldVersion}: ${JSON.stringify(state)}`);
    }
    this.count = state.count;
    this.last = state.last ?? null;
  }
}

// The exports of the world upgradable-behaviour, which the host calls: start once (it runs
// init), handle for every message, stateSave and codeChange around a hot swap.
export const { start, handle, stateSave, codeChange } = serve(new Hello());
