#!/usr/bin/env escript
%%! -sname hbench_a -setcookie hbench -kernel net_ticktime 1
%% Hatchery side-by-side benchmark: the Erlang distribution figures (hatchery-bench
%% --dist-only runs it). Two nodes on loopback, this one and a `peer`, both with
%% net_ticktime 1 s: a remote round trip, a remote stream, and how long a killed and a
%% frozen node take to give `nodedown`.
%% Usage (from the repository root): escript bench/erlang/dist.escript [quick]
%% stdout: "erlang <figure> <value>" lines only; diagnostics go to stderr.
-mode(compile).

main(Args) ->
    {RttN, StreamN, Reps, Detections} = case lists:member("quick", Args) of
                                            true -> {1000, 20000, 1, 1};
                                            false -> {10000, 200000, 5, 3}
                                        end,
    {Peer, Node} = start_peer(hbench_b),
    load_helpers(Node),
    Echo = spawn(Node, hbench_dist, echo, []),
    Data = binary:copy(<<7>>, 64),
    rtt(Echo, Data, RttN div 10),
    Rtt = median([timed_ns(fun() -> rtt(Echo, Data, RttN) end) / RttN || _ <- lists:seq(1, Reps)]),
    out(dist_rtt_ns, Rtt),
    Stream = median([stream(Node, StreamN) || _ <- lists:seq(1, Reps)]),
    out(dist_stream_per_sec, Stream),
    catch peer:stop(Peer),
    Killed = median([detect(list_to_atom("hbench_k" ++ integer_to_list(I)), "-KILL")
                     || I <- lists:seq(1, Detections)]),
    out(dist_killed_ms, Killed),
    Frozen = median([detect(list_to_atom("hbench_f" ++ integer_to_list(I)), "-STOP")
                     || I <- lists:seq(1, Detections)]),
    out(dist_frozen_ms, Frozen).

start_peer(Name) ->
    {ok, Peer, Node} = peer:start(#{name => Name,
                                    args => ["-setcookie", "hbench",
                                             "-kernel", "net_ticktime", "1"]}),
    {Peer, Node}.

%% The echo and the sink, compiled here and loaded on both nodes (an escript's own
%% functions do not exist on another node).
load_helpers(Node) ->
    Lines = ["-module(hbench_dist).",
             "-export([echo/0, sink/2]).",
             "echo() -> receive {From, M} -> From ! M, echo() end.",
             "sink(0, To) -> To ! done; sink(N, To) -> receive _ -> sink(N - 1, To) end."],
    Forms = [begin {ok, T, _} = erl_scan:string(L), {ok, F} = erl_parse:parse_form(T), F end
             || L <- Lines],
    {ok, Mod, Bin} = compile:forms(Forms, [binary]),
    {module, Mod} = code:load_binary(Mod, "hbench_dist.erl", Bin),
    {module, Mod} = rpc:call(Node, code, load_binary, [Mod, "hbench_dist.erl", Bin]).

rtt(_Echo, _Data, 0) -> ok;
rtt(Echo, Data, N) ->
    Echo ! {self(), Data},
    receive Data -> rtt(Echo, Data, N - 1) after 10000 -> error(no_echo) end.

stream(Node, N) ->
    Sink = spawn(Node, hbench_dist, sink, [N, self()]),
    T0 = erlang:monotonic_time(nanosecond),
    [Sink ! <<I:64/little>> || I <- lists:seq(1, N)],
    receive done -> ok after 60000 -> error(stream_timeout) end,
    N / ((erlang:monotonic_time(nanosecond) - T0) / 1.0e9).

%% Milliseconds from the signal to the peer's OS process until `nodedown`.
detect(Name, Signal) ->
    {_Peer, Node} = start_peer(Name),
    OsPid = rpc:call(Node, os, getpid, []),
    true = erlang:monitor_node(Node, true),
    T0 = erlang:monotonic_time(nanosecond),
    os:cmd("kill " ++ Signal ++ " " ++ OsPid),
    receive {nodedown, Node} -> ok after 30000 -> error(no_nodedown) end,
    Ms = (erlang:monotonic_time(nanosecond) - T0) / 1.0e6,
    os:cmd("kill -KILL " ++ OsPid),
    Ms.

timed_ns(F) ->
    T0 = erlang:monotonic_time(nanosecond),
    F(),
    erlang:monotonic_time(nanosecond) - T0.

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

out(K, V) -> io:format("erlang ~s ~.1f~n", [K, float(V)]).
