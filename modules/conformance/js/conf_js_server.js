// conf_js_server: version 1 of the conformance protocol's counter server.
import { serve } from "../../../guest-sdk/js/hatchery/index.js";
import { Counter } from "./counter.js";

export const { start, handle, stateSave, codeChange } = serve(new Counter(1));
