package runtime

import (
	"fmt"
	"net"
)

// ownListener hands the Runtime API server only the connections that come from its function's
// process (or that process's children): any other is closed and logged, so no other local
// process can take the function's invocations or answer in its place. It checks once per
// connection, on Accept; the runtime client's keep-alive connection costs nothing per request.
type ownListener struct {
	net.Listener
	pid      int    // the function's process
	function string // its name, for the log
	logs     *lineWriter
}

func (l *ownListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if err := ownedBy(c, l.pid); err != nil {
			l.logs.line(fmt.Sprintf("warning: refused a Runtime API connection to function %s from %s: %v", l.function, c.RemoteAddr(), err))
			c.Close()
			continue
		}
		return c, nil
	}
}
