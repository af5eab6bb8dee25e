package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/example/myprofile/shared/request"
)

// DeviceMemory is how long a device stays known after its last sign-in: a
// sign-in from a device not seen for this long mails the user.
const DeviceMemory = 90 * 24 * time.Hour

// Device is what the new-device notice knows of a client: the browser and
// operating system families of its user agent and its network (the /24 of
// an IPv4 address, the /48 of an IPv6 one), so a browser update or a new
// address from the same provider's pool is not a new device.
type Device struct {
	// Key identifies the device: hex of SHA-256 over browser, OS and
	// network (32 characters; the address itself is not in the key).
	Key     string
	Browser string
	OS      string
	Network string
	IP      string
}

// DeviceOf returns the device of a request's client.
func DeviceOf(src request.Source) Device {
	d := Device{Browser: browserFamily(src.UserAgent), OS: osFamily(src.UserAgent), Network: network(src.IP), IP: src.IP}
	sum := sha256.Sum256([]byte(d.Browser + "\x00" + d.OS + "\x00" + d.Network))
	d.Key = hex.EncodeToString(sum[:16])
	return d
}

// network is the client's network: the /24 of IPv4, the /48 of IPv6, the
// text itself when it is not an address.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ip
	}
	return p.String()
}

// browserFamily names the browser of a User-Agent header. The order
// matters: Edge and Opera also say Chrome, Chrome also says Safari.
func browserFamily(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	if name, _, ok := strings.Cut(ua, "/"); ok && name != "" && name != "Mozilla" && len(name) <= 40 {
		return name // an app or a library: "MyProfileApp", "curl"
	}
	return "Unknown browser"
}

// osFamily names the operating system of a User-Agent header.
func osFamily(ua string) string {
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"},
		{"CrOS", "ChromeOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return o.name
		}
	}
	return "Unknown OS"
}
