//! The ABI's error codes (guest-sdk/ABI.md §2) as a Zig error set.

const sys = @import("sys.zig");

/// An error from a `hatchery_v1` call. Each member is one code of ABI.md §2; `Unknown` is a
/// negative code this SDK does not know (a newer host).
pub const Error = error{
    /// -1: no message at the index before the timeout.
    Timeout,
    /// -2: the pid names no live process.
    NoProc,
    /// -3: no process is registered under that name.
    NotRegistered,
    /// -4: another process is already registered under that name.
    NameTaken,
    /// -5: the process already has a registered name.
    AlreadyRegistered,
    /// -6: a node limit stops the call (the process cap for `spawn`).
    Limit,
    /// -7: the message is larger than the node's maximum message size.
    TooBig,
    /// -8: there is no message at that mailbox index.
    NoMessage,
    /// -9: a name is empty, longer than 255 bytes, or not UTF-8.
    BadName,
    /// -10: the monitor or timer reference is unknown.
    NotFound,
    /// -11: another argument is out of its range.
    BadArg,
    /// -12: the module has no previous version to roll back to.
    NoVersion,
    /// Another negative code.
    Unknown,
};

/// The error of a negative ABI result.
pub fn fromCode(result: i64) Error {
    return switch (result) {
        sys.ERR_TIMEOUT => error.Timeout,
        sys.ERR_NOPROC => error.NoProc,
        sys.ERR_NOT_REGISTERED => error.NotRegistered,
        sys.ERR_NAME_TAKEN => error.NameTaken,
        sys.ERR_ALREADY_REGISTERED => error.AlreadyRegistered,
        sys.ERR_LIMIT => error.Limit,
        sys.ERR_TOO_BIG => error.TooBig,
        sys.ERR_NO_MESSAGE => error.NoMessage,
        sys.ERR_BAD_NAME => error.BadName,
        sys.ERR_NOT_FOUND => error.NotFound,
        sys.ERR_BAD_ARG => error.BadArg,
        sys.ERR_NO_VERSION => error.NoVersion,
        else => error.Unknown,
    };
}

/// The ABI code of an error (`Unknown` maps to `ERR_BAD_ARG`, the closest "not understood").
/// Any other error of a wider set (`error.OutOfMemory`, say) maps to `ERR_BAD_ARG` too.
pub fn code(err: anyerror) i32 {
    return switch (err) {
        error.Timeout => sys.ERR_TIMEOUT,
        error.NoProc => sys.ERR_NOPROC,
        error.NotRegistered => sys.ERR_NOT_REGISTERED,
        error.NameTaken => sys.ERR_NAME_TAKEN,
        error.AlreadyRegistered => sys.ERR_ALREADY_REGISTERED,
        error.Limit => sys.ERR_LIMIT,
        error.TooBig => sys.ERR_TOO_BIG,
        error.NoMessage => sys.ERR_NO_MESSAGE,
        error.BadName => sys.ERR_BAD_NAME,
        error.NotFound => sys.ERR_NOT_FOUND,
        error.NoVersion => sys.ERR_NO_VERSION,
        else => sys.ERR_BAD_ARG,
    };
}

/// A 32-bit ABI result: the value when it is zero or positive, else its error.
pub fn check(result: i32) Error!u32 {
    if (result < 0) return fromCode(result);
    return @intCast(result);
}

/// A 64-bit ABI result (pids, references): the value when positive or zero, else its error.
pub fn check64(result: i64) Error!i64 {
    if (result < 0) return fromCode(result);
    return result;
}

test "codes round-trip" {
    const std = @import("std");
    var c: i32 = -1;
    while (c >= -12) : (c -= 1) try std.testing.expectEqual(c, code(fromCode(c)));
    try std.testing.expectEqual(error.Unknown, fromCode(-99));
    try std.testing.expectEqual(@as(u32, 5), try check(5));
    try std.testing.expectError(error.NameTaken, check(-4));
}
