// Loads the SDK under Node with fakes for the component's imports, so its pure parts and
// its logic over the host (the receive loop, the server layer, call) have unit tests:
//
//   node --import ./test/register.mjs --test test/*.test.mjs      (in guest-sdk/js)
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
