// `conf_as_server_v2`: version 2 of the protocol's counter server.

import { serve } from "../../../guest-sdk/assemblyscript/hatchery";
import { Counter } from "./counter";

serve(new Counter(2));

export {
  hatchery_main, hatchery_handle, hatchery_state_save, hatchery_code_change,
} from "../../../guest-sdk/assemblyscript/hatchery/server";
