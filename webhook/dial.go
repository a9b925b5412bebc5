package webhook

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivate refuses a connection to an address of the machine's own or a
// private network.
var ErrPrivate = errors.New("webhook: the endpoint's address is private (loopback, private, link-local or unspecified); the operator allows such endpoints with --webhook-allow-private")

// Private reports whether an address is not on the public internet:
// loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// multicast, CGNAT (100.64/10) or an IPv4-mapped one of those.
func Private(a netip.Addr) bool {
	a = a.Unmap()
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) || netip.MustParsePrefix("0.0.0.0/8").Contains(a)
}

// dialer connects to endpoints. Unless allowPrivate, it checks the address
// each connection is about to use — after name resolution, so a name that
// resolves to 127.0.0.1 (or is rebound to it) is refused too.
func dialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || Private(ap.Addr()) {
				return ErrPrivate
			}
			return nil
		}
	}
	return d
}
