// bench_go_pong: echoes every user message to its sender until one is exactly "stop".
// Round trips against it measure a Go process's receive and send.
package main

import "hatchery.local/sdk/hatchery"

func main() {
	for {
		m, _ := hatchery.Receive(hatchery.Infinity, func(m *hatchery.Message) bool {
			return m.Kind == hatchery.KindUser
		})
		if string(m.Data) == "stop" {
			return
		}
		_ = hatchery.Send(m.From, m.Data)
	}
}
