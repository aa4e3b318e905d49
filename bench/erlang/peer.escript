#!/usr/bin/env escript
%%! +P 2000000
%% Hatchery side-by-side benchmark: the Erlang/OTP reference figures.
%% Usage (from the repository root):  escript bench/erlang/peer.escript [quick] [swap] [load]
%% (`swap`, `load`: only the hot-swap figures, only the load figures, or both)
%% stdout: "erlang <figure> <value>" lines only; diagnostics go to stderr.
-mode(compile).

-define(SPAWN_N, 100000).
-define(PINGPONG_N, 100000).
-define(RING_SIZE, 10000).
-define(RING_LAPS, 100).
-define(IDLE_N, 100000).
-define(REPS, 5).
-define(SWAP_N, 10000).
-define(SWAPS_ONE, 20).
-define(STREAM_N, 1000000).
-define(FAN_IN_SENDERS, 1000).
-define(FAN_IN_EACH, 1000).
-define(SKYNET_LEAVES, 1000000).
-define(LATENCY_N, 10000).
-define(SPINNERS, 2).
-define(RESTARTS_N, 20000).

main(["--idle-child", NStr]) ->
    %% Internal: one idle-memory measurement in a fresh VM (see idle/1).
    {PerProc, PerRss} = idle_measure(list_to_integer(NStr)),
    io:format("~w ~w~n", [float(PerProc), float(PerRss)]);
main(Args) ->
    [usage() || A <- Args, not lists:member(A, ["quick", "swap", "load"])],
    {Div, Reps} = case lists:member("quick", Args) of
                      true -> {10, 1};
                      false -> {1, ?REPS}
                  end,
    Partial = lists:member("swap", Args) orelse lists:member("load", Args),
    Part = fun(P) -> not Partial orelse lists:member(P, Args) end,
    T0 = erlang:monotonic_time(millisecond),
    SpawnN = ?SPAWN_N div Div,
    PingN = ?PINGPONG_N div Div,
    RingSize = ?RING_SIZE div Div,
    Laps = ?RING_LAPS div Div,
    IdleN = ?IDLE_N div Div,
    log("otp ~s (~p), ~p schedulers, process_limit ~p, reps ~p, counts: spawn ~p, "
        "pingpong ~p, ring ~p x ~p laps, idle ~p",
        [erlang:system_info(otp_release), erlang:system_info(emu_flavor),
         erlang:system_info(schedulers_online),
         erlang:system_info(process_limit), Reps, SpawnN, PingN, RingSize, Laps, IdleN]),

    Partial orelse others(Reps, SpawnN, PingN, RingSize, Laps, IdleN),
    Part("swap") andalso swaps(Div, Reps),
    Part("load") andalso load(Div, Reps),

    io:format("erlang otp_release ~s~n", [erlang:system_info(otp_release)]),
    io:format("erlang schedulers ~p~n", [erlang:system_info(schedulers_online)]),
    log("total wall time ~.1f s", [(erlang:monotonic_time(millisecond) - T0) / 1000]),
    ok.

others(Reps, SpawnN, PingN, RingSize, Laps, IdleN) ->
    SpawnExit = bench(spawn_exit_ns, Reps, fun() -> spawn_exit(SpawnN) end),
    out(spawn_exit_ns, median(SpawnExit)),

    PingPong = bench(pingpong_rtt_ns, Reps, fun() -> pingpong(PingN) end),
    out(pingpong_rtt_ns, median(PingPong)),

    Ring = bench(ring, Reps, fun() -> ring(RingSize, Laps) end),
    out(ring_hop_ns, median([H || {_, H} <- Ring])),
    out(ring_setup_ns, median([S || {S, _} <- Ring])),

    Idle = bench(idle, Reps, fun() -> idle(IdleN) end),
    out(idle_bytes, median([P || {P, _} <- Idle])),
    out(idle_rss_bytes, median([R || {_, R} <- Idle])),
    true.

swaps(Div, Reps) ->
    SwapsOne = ?SWAPS_ONE div min(Div, 4),
    {Pause, ClientPause} = swap_one(SwapsOne),
    out(swap_pause_ns, Pause),
    out(swap_pause_client_ns, ClientPause),
    SwapN = ?SWAP_N div Div,
    {Took, MeanPause} = swap_many(SwapN, Reps),
    out(swap_many_ns, Took),
    out(swap_many_pause_mean_ns, MeanPause),
    true.

%% The load figures; `quick` makes the streams, latency and restart runs 10 times and the
%% skynet 100 times smaller (a tree keeps a power of ten of leaves). Skynet takes at most 3
%% runs, as on the Hatchery side, where a million leaves take half a minute.
load(Div, Reps) ->
    Stream = bench(stream, Reps, fun() -> stream(1, ?STREAM_N div Div) end),
    out(stream_msgs_per_s, median(Stream)),
    FanIn = bench(fan_in, Reps, fun() -> stream(?FAN_IN_SENDERS, ?FAN_IN_EACH div Div) end),
    out(fan_in_msgs_per_s, median(FanIn)),
    [begin
         L = bench(Name, Reps, fun() -> latency(?LATENCY_N div Div, Spinners) end),
         [out(list_to_atom(atom_to_list(Name) ++ Suffix), median([element(I, R) || R <- L]))
          || {I, Suffix} <- [{1, "_p50_ns"}, {2, "_p99_ns"}, {3, "_p999_ns"}]]
     end || {Name, Spinners} <- [{latency_busy, ?SPINNERS}, {latency, 0}]],
    Restarts = bench(restarts, Reps, fun() -> restarts(?RESTARTS_N div Div) end),
    out(restarts_per_s, median(Restarts)),
    Skynet = bench(skynet, min(Reps, 3), fun() -> skynet(?SKYNET_LEAVES div (Div * Div)) end),
    out(skynet_ns, median(Skynet)),
    %% Last: the logger may still be printing crash reports when this returns.
    Logged = bench(restarts_logged, Reps, fun() -> restarts_logged(?RESTARTS_N div Div) end),
    out(restarts_logged_per_s, median(Logged)),
    true.

usage() ->
    io:format(standard_error, "usage: escript bench/erlang/peer.escript [quick] [swap] [load]~n", []),
    halt(2).

%% One warm-up run (discarded), then Reps measured runs. Also reports on
%% stderr how busy the rest of the machine was meanwhile (timing figures are
%% only meaningful on an otherwise idle machine).
bench(Name, Reps, Fun) ->
    W = Fun(),
    log("~p warm-up: ~p", [Name, W]),
    C0 = cpu_snapshot(),
    Rs = [begin
              R = Fun(),
              log("~p run ~p: ~p", [Name, I, R]),
              R
          end || I <- lists:seq(1, Reps)],
    foreign_load(Name, C0, cpu_snapshot()),
    Rs.

%% {machine busy jiffies, machine total jiffies, this VM's jiffies}
cpu_snapshot() ->
    try
        {ok, Stat} = file:read_file("/proc/stat"),
        [CpuLine | _] = binary:split(Stat, <<"\n">>),
        [<<"cpu">> | Fields] = binary:split(CpuLine, <<" ">>, [global, trim_all]),
        [U, Ni, Sy, Id, Io, Irq, SIrq, St | _] = [binary_to_integer(F) || F <- Fields],
        {ok, Self} = file:read_file("/proc/self/stat"),
        [_, AfterComm] = string:split(Self, <<")">>, trailing),
        Own = binary:split(AfterComm, <<" ">>, [global, trim_all]),
        UTime = binary_to_integer(lists:nth(12, Own)),
        STime = binary_to_integer(lists:nth(13, Own)),
        {U + Ni + Sy + Irq + SIrq + St, U + Ni + Sy + Id + Io + Irq + SIrq + St, UTime + STime}
    catch _:_ -> unavailable
    end.

foreign_load(Name, {B0, T0, O0}, {B1, T1, O1}) when T1 > T0, Name =/= idle ->
    Pct = round(100 * max(0, (B1 - B0) - (O1 - O0)) / (T1 - T0)),
    case Pct > 10 of
        true -> log("WARNING ~p: other processes used ~B% of the machine's CPU "
                    "during the runs; figures are inflated", [Name, Pct]);
        false -> log("~p: other processes used ~B% of the machine's CPU", [Name, Pct])
    end;
foreign_load(_, _, _) -> ok.   % idle: its work runs in child VMs, which would count as foreign

%% ---------------------------------------------------------------------------
%% 1. spawn + exit: spawn_monitor N processes running fun() -> ok end,
%%    wait for all N 'DOWN' messages. ns per process.
%%    The spawner keeps its message queue off-heap: with the default (on_heap)
%%    setting every GC of the spawner drags the growing queue of up to N 'DOWN'
%%    messages along, which makes the figure super-linear in N (~4x worse at
%%    100k on OTP 25) and measures the GC rather than spawn/exit.
spawn_exit(N) ->
    run_isolated([{message_queue_data, off_heap}], fun() ->
        T0 = now_ns(),
        spawn_n(N),
        await_down(N),
        (now_ns() - T0) / N
    end).

spawn_n(0) -> ok;
spawn_n(N) ->
    _ = spawn_monitor(fun() -> ok end),
    spawn_n(N - 1).

await_down(0) -> ok;
await_down(N) ->
    receive {'DOWN', _, process, _, _} -> await_down(N - 1) end.

%% ---------------------------------------------------------------------------
%% 2. ping-pong: ping sends a 64-byte binary, pong echoes it back. ns per RTT.
pingpong(N) ->
    run_isolated(fun() ->
        Msg = <<0:512>>,                         % 64 bytes (heap binary)
        64 = byte_size(Msg),
        Pong = spawn_link(fun pong/0),
        T0 = now_ns(),
        ping(N, Pong, Msg),
        T = now_ns() - T0,
        Pong ! stop,
        T / N
    end).

ping(0, _Pong, _Msg) -> ok;
ping(N, Pong, Msg) ->
    Pong ! {self(), Msg},
    receive {Pong, Reply} when is_binary(Reply) -> ping(N - 1, Pong, Reply) end.

pong() ->
    receive
        {From, Msg} -> From ! {self(), Msg}, pong();
        stop -> ok
    end.

%% ---------------------------------------------------------------------------
%% 3. ring: Size processes, token passed Laps times around (Size*Laps hops).
%%    Returns {setup ns per process, ns per hop}.
ring(Size, Laps) ->
    run_isolated(fun() ->
        Self = self(),
        T0 = now_ns(),
        %% Build the chain back to front: each node is spawned knowing its
        %% successor; the last-spawned node (the head) is then wired to the tail.
        Tail = spawn(fun() -> receive {next, Next} -> ring_node(Next, Self) end end),
        Head = build_ring(Size - 1, Tail, Self),
        Tail ! {next, Head},
        T1 = now_ns(),
        Hops = Size * Laps,
        Head ! {token, Hops},
        receive ring_done -> ok end,
        T2 = now_ns(),
        Head ! {stop, Head},                     % stop travels once round the ring
        receive ring_stopped -> ok end,
        {(T1 - T0) / Size, (T2 - T1) / Hops}
    end).

build_ring(0, Next, _Self) -> Next;
build_ring(K, Next, Self) ->
    P = spawn(fun() -> ring_node(Next, Self) end),
    build_ring(K - 1, P, Self).

%% Token N = hops still to go; the node receiving token 1 makes the last hop
%% count (receiving it is hop number Hops), so it reports completion.
ring_node(Next, Owner) ->
    receive
        {token, 1} -> Owner ! ring_done, ring_node(Next, Owner);
        {token, N} -> Next ! {token, N - 1}, ring_node(Next, Owner);
        {stop, Head} when Next =:= Head -> Owner ! ring_stopped;
        {stop, Head} -> Next ! {stop, Head}
    end.

%% ---------------------------------------------------------------------------
%% 4. idle memory: N processes blocked in receive.
%%    Returns {erlang:memory(processes) delta / N, VmRSS delta / N} in bytes.
%%    Each run happens in a fresh VM (this escript re-run with --idle-child):
%%    inside one VM, memory freed by an earlier run stays mapped in erts_alloc's
%%    carriers, so later runs would see a much smaller RSS delta.
idle(N) ->
    Escript = os:find_executable("escript"),
    Port = open_port({spawn_executable, Escript},
                     [{args, [escript:script_name(), "--idle-child", integer_to_list(N)]},
                      {line, 1024}, exit_status]),
    idle_collect(Port, []).

idle_collect(Port, Acc) ->
    receive
        {Port, {data, {eol, Line}}} -> idle_collect(Port, [Line | Acc]);
        {Port, {data, {noeol, Line}}} -> idle_collect(Port, [Line | Acc]);
        {Port, {exit_status, 0}} ->
            [Last | _] = Acc,
            [P, R] = [list_to_float(F) || F <- string:lexemes(Last, " ")],
            {P, R};
        {Port, {exit_status, S}} -> error({idle_child_failed, S, lists:reverse(Acc)})
    end.

%% Runs in the --idle-child VM, which halts right afterwards, so the idle
%% processes are never cleaned up. The measuring process keeps no pid list (that
%% would add its own heap growth to the delta): each idle process reports
%% `ready` just before blocking in its receive, and the measuring process
%% collects its own garbage again before the second reading.
idle_measure(N) ->
    run_isolated(fun() ->
        Self = self(),
        [erlang:garbage_collect(P) || P <- erlang:processes()],
        M0 = erlang:memory(processes),
        R0 = vm_rss(),
        spawn_idle(N, Self),
        await_ready(N),
        wait_quiet(),
        erlang:garbage_collect(),
        M1 = erlang:memory(processes),
        R1 = vm_rss(),
        {(M1 - M0) / N, (R1 - R0) / N}
    end).

spawn_idle(0, _Parent) -> ok;
spawn_idle(N, Parent) ->
    spawn(fun() -> Parent ! ready, receive stop -> ok end end),
    spawn_idle(N - 1, Parent).

await_ready(0) -> ok;
await_ready(N) -> receive ready -> await_ready(N - 1) end.

%% Every idle process has sent `ready`; give the last ones time to park in
%% their receive (only this process should remain runnable).
wait_quiet() ->
    case erlang:statistics(total_active_tasks) of
        Active when Active =< 1 -> ok;
        _ -> timer:sleep(5), wait_quiet()
    end.

vm_rss() ->
    {ok, Bin} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Bin, <<"\n">>, [global]),
                   binary:match(L, <<"VmRSS:">>) =/= nomatch],
    [_, Kb, <<"kB">>] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kb) * 1024.

%% ---------------------------------------------------------------------------
%% 5. hot swap. The closest equivalent of Hatchery's counter server: a plain
%%    receive-loop process of a module compiled here from source, in two versions
%%    that keep the state in different shapes (a tuple, a map) and convert either.
%%    A swap loads the other version with code:load_binary and sends each process
%%    an `upgrade` message; it then makes the fully qualified call
%%    hs_counter:switch/3, which runs the new code (Erlang's own mechanism), and
%%    acknowledges with the time from taking the message to running the new code.
%%    The upgrade message waits in the mailbox behind the casts before it, as a
%%    sys:change_code system message would.
hs_source(1) ->
    "-module(hs_counter).
     -export([init/0, loop/1, switch/3]).
     init() -> {0, 0, 0, 0}.
     loop({Count, Last, Ooo, Ups} = S) ->
         receive
             {inc, Seq} ->
                 Ooo1 = case Seq =:= Last + 1 of true -> Ooo; false -> Ooo + 1 end,
                 loop({Count + 1, Seq, Ooo1, Ups});
             {get, From, Ref} -> From ! {Ref, {Count, Last, Ooo, Ups, 1}}, loop(S);
             {upgrade, From, Ref} ->
                 hs_counter:switch(S, From, {Ref, erlang:monotonic_time(nanosecond)})
         end.
     switch(S, From, {Ref, T0}) ->
         {C, L, O, U} = case S of
                            #{total := C0, last_seq := L0, disorder := O0, swaps := U0} ->
                                {C0, L0, O0, U0};
                            {_, _, _, _} -> S
                        end,
         From ! {Ref, switched, erlang:monotonic_time(nanosecond) - T0},
         loop({C, L, O, U + 1}).
    ";
hs_source(2) ->
    "-module(hs_counter).
     -export([init/0, loop/1, switch/3]).
     init() -> #{total => 0, last_seq => 0, disorder => 0, swaps => 0}.
     loop(#{total := Count, last_seq := Last, disorder := Ooo} = S) ->
         receive
             {inc, Seq} ->
                 Ooo1 = case Seq =:= Last + 1 of true -> Ooo; false -> Ooo + 1 end,
                 loop(S#{total := Count + 1, last_seq := Seq, disorder := Ooo1});
             {get, From, Ref} ->
                 From ! {Ref, {Count, Last, Ooo, maps:get(swaps, S), 2}}, loop(S);
             {upgrade, From, Ref} ->
                 hs_counter:switch(S, From, {Ref, erlang:monotonic_time(nanosecond)})
         end.
     switch(S, From, {Ref, T0}) ->
         M = case S of
                 {C, L, O, U} -> #{total => C, last_seq => L, disorder => O, swaps => U};
                 #{} -> S
             end,
         From ! {Ref, switched, erlang:monotonic_time(nanosecond) - T0},
         loop(M#{swaps := maps:get(swaps, M) + 1}).
    ".

%% Both versions' object code, compiled from source at run time.
hs_binaries() ->
    [begin
         {ok, Toks, _} = erl_scan:string(hs_source(V)),
         Forms = [begin {ok, F} = erl_parse:parse_form(Ts), F end || Ts <- split_forms(Toks, [])],
         {ok, hs_counter, Bin} = compile:forms(Forms, [binary, return_errors]),
         Bin
     end || V <- [1, 2]].

split_forms([], []) -> [];
split_forms([{dot, _} = D | T], Cur) -> [lists:reverse([D | Cur]) | split_forms(T, [])];
split_forms([H | T], Cur) -> split_forms(T, [H | Cur]).

%% Makes Bin the current hs_counter; the previous swap finished, so no process runs
%% the old code that the purge drops.
hs_load(Bin) ->
    T0 = now_ns(),
    code:purge(hs_counter),
    T1 = now_ns(),
    {module, hs_counter} = code:load_binary(hs_counter, "hs_counter.erl", Bin),
    log("hs_counter: purge ~.2f ms, load ~.2f ms", [(T1 - T0) / 1.0e6, (now_ns() - T1) / 1.0e6]).

hs_get(Pid) ->
    Ref = make_ref(),
    Pid ! {get, self(), Ref},
    receive {Ref, State} -> State end.

%% One counter fed 20 casts a millisecond, a client calling it back to back, Swaps
%% swaps (plus a warm-up). Returns {median in-process pause, median of (slowest call
%% during the swap - usual call)}, in ns. The swap starts before the code is loaded.
swap_one(Swaps) ->
    run_isolated(fun() ->
        [B1, B2] = hs_binaries(),
        hs_load(B1),
        C = spawn(fun() -> hs_counter:loop(hs_counter:init()) end),
        Self = self(),
        Feeder = spawn_link(fun() -> feed_one(C, 0) end),
        Client = spawn_link(fun() -> client(C, false, 0, [], 0) end),
        timer:sleep(50),
        Runs = [begin
                    Client ! swap_begins,
                    hs_load(lists:nth(I rem 2 + 1, [B1, B2])),
                    Ref = make_ref(),
                    C ! {upgrade, Self, Ref},
                    Pause = receive {Ref, switched, P} -> P end,
                    Client ! {swap_ends, Self},
                    Worst = receive {Client, W} -> W end,
                    timer:sleep(30),
                    {Pause, Worst}
                end || I <- lists:seq(0, Swaps)],
        Feeder ! {stop, Self},
        Sent = receive {Feeder, N} -> N end,
        Client ! {stop, Self},
        {Calls, Quiet} = receive {Client, Q} -> Q end,
        {Sent, Sent, 0, Ups, _} = hs_get_from(Feeder, C),
        Ups = Swaps + 1,
        [_Warm | Measured] = Runs,
        Usual = median(Quiet),
        Extra = [max(0, W - Usual) || {_, W} <- Measured],
        log("swap one: ~p calls, usual round trip ~.2f us, ~p casts, in-process pauses ~w ns, "
            "extra delay ~w ns", [Calls, Usual / 1000, Sent, [P || {P, _} <- Measured], Extra]),
        exit(C, kill),
        {median([P || {P, _} <- Measured]), median(Extra)}
    end).

feed_one(C, Seq) ->
    receive
        {stop, From} -> From ! {self(), Seq}, feed_wait()
    after 0 ->
        [C ! {inc, S} || S <- lists:seq(Seq + 1, Seq + 20)],
        timer:sleep(1),
        feed_one(C, Seq + 20)
    end.

%% The feeder stays to make calls that come after all its casts.
feed_wait() ->
    receive
        {get_for, From, Pid} -> From ! {self(), hs_get(Pid)}, feed_wait();
        stop -> ok
    end.

hs_get_from(Feeder, Pid) ->
    Feeder ! {get_for, self(), Pid},
    receive {Feeder, State} -> State end.

%% Back-to-back calls. Between swap_begins and swap_ends it tracks the slowest call
%% (including the one in flight when each arrives); otherwise it keeps every 16th round
%% trip, so that its own garbage collections stay small.
client(C, InSwap, Worst, Quiet, K) ->
    T = now_ns(),
    _ = hs_get(C),
    Rtt = now_ns() - T,
    receive
        swap_begins -> client(C, true, Rtt, Quiet, K + 1);
        {swap_ends, From} -> From ! {self(), max(Worst, Rtt)}, client(C, false, 0, Quiet, K + 1);
        {stop, From} -> From ! {self(), {K, Quiet}}
    after 0 ->
        case InSwap of
            true -> client(C, true, max(Worst, Rtt), Quiet, K + 1);
            false when K rem 16 =:= 0 -> client(C, false, 0, [Rtt | Quiet], K + 1);
            false -> client(C, false, 0, Quiet, K + 1)
        end
    end.

%% N counters, a feeder casting to each in turn (a round, then a call to the round's
%% last counter so mailboxes stay short), Reps swaps plus a warm-up while it runs.
%% Returns {median ns from the new code being loaded to every process switched,
%% median mean in-process pause}; checks every counter's state afterwards.
swap_many(N, Reps) ->
    run_isolated(fun() ->
        [B1, B2] = hs_binaries(),
        hs_load(B1),
        Pids = [spawn(fun() -> hs_counter:loop(hs_counter:init()) end) || _ <- lists:seq(1, N)],
        Self = self(),
        Feeder = spawn_link(fun() -> feed_many(Pids, lists:last(Pids), 0) end),
        Runs = [begin
                    timer:sleep(20),
                    T0 = now_ns(),
                    hs_load(lists:nth(I rem 2 + 1, [B1, B2])),
                    T1 = now_ns(),
                    Ref = make_ref(),
                    [P ! {upgrade, Self, Ref} || P <- Pids],
                    PauseSum = await_switched(Ref, N, 0),
                    T2 = now_ns(),
                    log("swap ~p: load ~.2f ms, until all switched ~.2f ms, mean pause ~.2f us",
                        [N, (T1 - T0) / 1.0e6, (T2 - T1) / 1.0e6, PauseSum / N / 1000]),
                    {T2 - T1, PauseSum / N}
                end || I <- lists:seq(0, Reps)],
        Feeder ! {stop, Self},
        Rounds = receive {Feeder, R} -> R end,
        Ups = Reps + 1,
        Wrong = [{P, S} || P <- Pids,
                           S <- [hs_get_from(Feeder, P)],
                           not match_state(S, Rounds, Ups)],
        Wrong =:= [] orelse error({counters_lost_increments, length(Wrong), lists:sublist(Wrong, 5)}),
        Feeder ! stop,
        [exit(P, kill) || P <- Pids],
        [_Warm | Measured] = Runs,
        {median([T || {T, _} <- Measured]), median([M || {_, M} <- Measured])}
    end).

match_state({Rounds, Rounds, 0, Ups, _}, Rounds, Ups) -> true;
match_state(_, _, _) -> false.

await_switched(_Ref, 0, Sum) -> Sum;
await_switched(Ref, K, Sum) -> receive {Ref, switched, P} -> await_switched(Ref, K - 1, Sum + P) end.

feed_many(Pids, Last, Round) ->
    receive
        {stop, From} -> From ! {self(), Round}, feed_wait()
    after 0 ->
        [P ! {inc, Round + 1} || P <- Pids],
        _ = hs_get(Last),
        feed_many(Pids, Last, Round + 1)
    end.

%% ---------------------------------------------------------------------------
%% 6. one-way streams: Senders processes each send Each 8-byte binaries to one
%%    receiver, which counts them. Each sender says `ready` and waits for `go`, so
%%    spawning is not timed: messages per second from the first `go` to the last
%%    message counted. The receiver's queue is off-heap (as spawn_exit's): the
%%    senders run ahead of it, and an on-heap queue of up to a million messages would
%%    make every garbage collection of the receiver copy them.
stream(Senders, Each) ->
    run_isolated([{message_queue_data, off_heap}], fun() ->
        Self = self(),
        Pids = [spawn(fun() -> Self ! {ready, self()}, receive go -> send_n(Self, Each) end end)
                || _ <- lists:seq(1, Senders)],
        [receive {ready, P} -> ok end || P <- Pids],
        T0 = now_ns(),
        [P ! go || P <- Pids],
        count(Senders * Each),
        Senders * Each / ((now_ns() - T0) / 1.0e9)
    end).

send_n(_To, 0) -> ok;
send_n(To, N) -> To ! <<N:64/little>>, send_n(To, N - 1).

count(0) -> ok;
count(N) -> receive <<_:64>> -> count(N - 1) end.

%% ---------------------------------------------------------------------------
%% 7. skynet: a 10-ary tree of processes with Leaves leaves (1,111,111 processes
%%    for a million); each leaf sends its number, each parent the sum of its
%%    children's. ns from spawning the root to its reply.
skynet(Leaves) ->
    run_isolated(fun() ->
        Self = self(),
        T0 = now_ns(),
        spawn(fun() -> skynet(Self, 0, Leaves) end),
        Sum = receive {skynet, S} -> S end,
        T = now_ns() - T0,
        Sum = Leaves * (Leaves - 1) div 2,
        T
    end).

skynet(Parent, Num, 1) -> Parent ! {skynet, Num};
skynet(Parent, Num, Size) ->
    Self = self(),
    Child = Size div 10,
    [spawn(fun() -> skynet(Self, Num + I * Child, Child) end) || I <- lists:seq(0, 9)],
    Parent ! {skynet, skynet_sum(10, 0)}.

skynet_sum(0, Sum) -> Sum;
skynet_sum(K, Sum) -> receive {skynet, S} -> skynet_sum(K - 1, Sum + S) end.

%% ---------------------------------------------------------------------------
%% 8. round-trip latency: Spinners busy-looping processes (linked, each says
%%    `spinning` first), then a ping-pong of a 64-byte binary: 1,000 round trips
%%    to warm up, N timed one by one. Returns {p50, p99, p99.9} in ns (nearest rank,
%%    the same index as the Hatchery guest's).
latency(N, Spinners) ->
    run_isolated(fun() ->
        Self = self(),
        Spin = [spawn_link(fun() -> Self ! spinning, spin() end) || _ <- lists:seq(1, Spinners)],
        [receive spinning -> ok end || _ <- Spin],
        Pong = spawn_link(fun pong/0),
        Msg = <<0:512>>,
        _ = timed_pings(1000, Pong, Msg, []),
        Times = timed_pings(N, Pong, Msg, []),
        [begin unlink(P), exit(P, kill) end || P <- Spin],
        Pong ! stop,
        Sorted = list_to_tuple(lists:sort(Times)),
        {rank(Sorted, 500), rank(Sorted, 990), rank(Sorted, 999)}
    end).

spin() -> spin().

timed_pings(0, _Pong, _Msg, Acc) -> Acc;
timed_pings(N, Pong, Msg, Acc) ->
    T0 = now_ns(),
    Pong ! {self(), Msg},
    receive {Pong, _} -> ok end,
    timed_pings(N - 1, Pong, Msg, [now_ns() - T0 | Acc]).

rank(Sorted, PerMille) ->
    Len = tuple_size(Sorted),
    element(min(Len, Len * PerMille div 1000 + 1), Sorted).

%% ---------------------------------------------------------------------------
%% 9. restarts: a parent trapping exits spawn_links a child that calls
%%    erlang:error at once; on each 'EXIT' it spawns the next. Restarts per second.
%%    The emulator sends a report of every such crash to the logger; restarts/1 runs
%%    with the logger's primary level at `none` (it drops them: Hatchery's bench node
%%    keeps no crash log), restarts_logged/1 with the default handler printing them.
restarts(N) ->
    #{level := Level} = logger:get_primary_config(),
    ok = logger:set_primary_config(level, none),
    try restarts_logged(N)
    after logger:set_primary_config(level, Level)
    end.

restarts_logged(N) ->
    run_isolated(fun() ->
        process_flag(trap_exit, true),
        T0 = now_ns(),
        restart_loop(N),
        N / ((now_ns() - T0) / 1.0e9)
    end).

restart_loop(0) -> ok;
restart_loop(N) ->
    Pid = spawn_link(fun() -> erlang:error(crash) end),
    receive {'EXIT', Pid, {crash, _}} -> restart_loop(N - 1) end.

%% ---------------------------------------------------------------------------
%% Run Fun in a fresh process (clean mailbox and heap) and return its result.
run_isolated(Fun) -> run_isolated([], Fun).

run_isolated(Opts, Fun) ->
    {Pid, Ref} = spawn_opt(fun() -> exit({result, Fun()}) end, [monitor | Opts]),
    receive
        {'DOWN', Ref, process, Pid, {result, R}} -> R;
        {'DOWN', Ref, process, Pid, Other} -> error({bench_failed, Other})
    end.

now_ns() -> erlang:monotonic_time(nanosecond).

median(L) ->
    S = lists:sort(L),
    Len = length(S),
    case Len rem 2 of
        1 -> lists:nth(Len div 2 + 1, S);
        0 -> (lists:nth(Len div 2, S) + lists:nth(Len div 2 + 1, S)) / 2
    end.

out(Name, V) -> io:format("erlang ~s ~.1f~n", [Name, float(V)]).

log(Fmt, Args) -> io:format(standard_error, Fmt ++ "~n", Args).
