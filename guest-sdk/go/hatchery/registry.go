package hatchery

// Register registers pid under name (Erlang's register/2); the name is removed when the
// process ends. Errors: ErrNameTaken when another process has the name,
// ErrAlreadyRegistered when pid already has one, ErrNoProc when pid is not alive,
// ErrBadName for an empty name or one longer than 255 bytes.
func Register(name string, pid Pid) error {
	return check0(hostRegister(stringPtr(name), n32(len(name)), int64(pid)))
}

// Unregister removes the registered name. Errors: ErrNotRegistered when no process has it.
func Unregister(name string) error {
	return check0(hostUnregister(stringPtr(name), n32(len(name))))
}

// Whereis is the process registered as name (Erlang's whereis/1); ok is false when the
// name is free (or not a valid name).
func Whereis(name string) (pid Pid, ok bool) {
	raw := hostWhereis(stringPtr(name), n32(len(name)))
	if raw <= 0 {
		return 0, false
	}
	return Pid(raw), true
}

// ModuleVersion is the current version of module name (1, 2, ... in load order).
// Errors: ErrNotFound when no such module is loaded, ErrBadName.
func ModuleVersion(name string) (int, error) {
	v, err := check(int64(hostModuleVersion(stringPtr(name), n32(len(name)))))
	return int(v), err
}

// ModuleRollback makes the previous version of module name current again; its processes
// move back at their next message, with their state. It returns the version now
// current. Errors: ErrNotFound when no such module is loaded, ErrNoVersion when it has
// no previous version.
func ModuleRollback(name string) (int, error) {
	v, err := check(int64(hostModuleRollback(stringPtr(name), n32(len(name)))))
	return int(v), err
}
