// The conformance protocol's counter server (modules/conformance/PROTOCOL.md), which both
// versions of conf_js_server build from.

/** Counts casts and infos; `version` is what this build calls itself. */
export class Counter {
  /** @param {number} version */
  constructor(version) {
    this.version = version;
    this.count = 0;
    this.infos = 0;
  }

  /**
   * "get", "infos" and "version"; another string is answered with {"unknown": ...}. A
   * request that is not a string crashes the server, as an unmatched handle_call clause
   * does in Erlang.
   */
  handleCall(request) {
    if (typeof request !== "string") {
      throw new Error(`handleCall: no clause matches ${JSON.stringify(request)}`);
    }
    switch (request) {
      case "get":
        return this.count;
      case "infos":
        return this.infos;
      case "version":
        return this.version;
      default:
        return { unknown: request };
    }
  }

  /**
   * Adds a number to the count. Anything else crashes the server, with the message
   * named in the crash report, as an unmatched handle_cast clause does in Erlang.
   */
  handleCast(n) {
    if (!Number.isInteger(n)) throw new Error(`handleCast: no clause matches ${JSON.stringify(n)}`);
    this.count += n;
  }

  /** Counts every other message. */
  handleInfo() {
    this.infos += 1;
  }

  /** [count, infos] in v1 and {"count": .., "infos": ..} in v2, so v2 must read v1's form. */
  save() {
    return this.version === 1 ? [this.count, this.infos] : { count: this.count, infos: this.infos };
  }

  /** Takes either form of the state. */
  codeChange(oldVersion, state) {
    const pair = Array.isArray(state) && state.length === 2;
    const [count, infos] = pair ? state : [state?.count, state?.infos];
    if (!Number.isInteger(count) || !Number.isInteger(infos)) {
      throw new Error(`not a counter state from v${oldVersion}: ${JSON.stringify(state)}`);
    }
    this.count = count;
    this.infos = infos;
  }
}
