package runtime

import (
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// connPair dials a listener on addr from this process and returns both ends.
func connPair(t testing.TB, network, addr string) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skip("no loopback listener:", err)
	}
	defer ln.Close()
	if client, err = net.Dial(network, ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if server, err = ln.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// inodeOf is the inode of a connection's socket, as fstat gives it.
func inodeOf(t *testing.T, c net.Conn) string {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := raw.Control(func(fd uintptr) { err = syscall.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatUint(st.Ino, 10)
}

func TestPeerSocket(t *testing.T) {
	sleeper := exec.Command("sleep", "30") // a process unrelated to the connection
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
	lookups := map[string]func(local, remote netip.AddrPort) (int, string, error){"sock_diag": diagSocket, "/proc/net/tcp": scanProcNet}
	for _, tt := range []struct{ name, network, addr string }{
		{"IPv4", "tcp4", "127.0.0.1:0"},
		{"IPv6", "tcp6", "[::1]:0"},
	} {
		for lookupName, lookup := range lookups {
			t.Run(tt.name+" "+lookupName, func(t *testing.T) {
				client, server := connPair(t, tt.network, tt.addr)
				local, remote := server.LocalAddr().(*net.TCPAddr).AddrPort(), server.RemoteAddr().(*net.TCPAddr).AddrPort()
				uid, inode, err := lookup(local, remote)
				if err != nil {
					t.Fatal(err)
				}
				if want := inodeOf(t, client); inode != want || uid != os.Getuid() {
					t.Fatalf("peer socket: uid %d inode %s, want the client's: uid %d inode %s", uid, inode, os.Getuid(), want)
				}
				gone := netip.AddrPortFrom(remote.Addr(), remote.Port()+1) // no such client
				if _, _, err := lookup(local, gone); err == nil || !strings.Contains(err.Error(), "uid unknown") {
					t.Errorf("unknown peer: got %v, want an error saying uid unknown", err)
				}
			})
		}
		t.Run(tt.name+" owner", func(t *testing.T) {
			client, server := connPair(t, tt.network, tt.addr)
			if err := ownedBy(server, os.Getpid()); err != nil {
				t.Errorf("own connection refused: %v", err)
			}
			// The test binary descends from its parent (go test, or a shell).
			if !treeHolds(os.Getppid(), "socket:["+inodeOf(t, client)+"]") {
				t.Errorf("the parent's process tree does not hold the client socket")
			}
			err := ownedBy(server, sleeper.Process.Pid)
			if err == nil || !strings.Contains(err.Error(), "uid "+strconv.Itoa(os.Getuid())) {
				t.Errorf("connection of another process: got %v, want a refusal naming uid %d", err, os.Getuid())
			}
		})
	}
}

// BenchmarkAccept measures what the owner check adds to accepting a Runtime API connection
// (dial, accept, close), and the check alone.
func BenchmarkAccept(b *testing.B) {
	for _, checked := range []bool{false, true} {
		name := "plain"
		if checked {
			name = "checked"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var l net.Listener = ln
			if checked {
				l = &ownListener{Listener: ln, pid: os.Getpid(), function: "Bench", logs: &lineWriter{out: io.Discard}}
			}
			defer l.Close()
			for b.Loop() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				s, err := l.Accept()
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
				s.Close()
			}
		})
	}
	b.Run("check only", func(b *testing.B) {
		_, server := connPair(b, "tcp4", "127.0.0.1:0")
		for b.Loop() {
			if err := ownedBy(server, os.Getpid()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
