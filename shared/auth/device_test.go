package auth

import (
	"testing"

	"github.com/example/myprofile/shared/request"
)

func TestDeviceOf(t *testing.T) {
	const (
		chromeMac  = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
		chromeMac2 = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36"
		edgeWin    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
		safariIOS  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
		firefoxLin = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
	)
	tests := []struct {
		name             string
		ua, ip           string
		browser, os, net string
	}{
		{"chrome on macOS, IPv4 /24", chromeMac, "203.0.113.77", "Chrome", "macOS", "203.0.113.0/24"},
		{"edge on windows", edgeWin, "198.51.100.1", "Edge", "Windows", "198.51.100.0/24"},
		{"safari on iPhone, IPv6 /48", safariIOS, "2001:db8:abcd:12::1", "Safari", "iOS", "2001:db8:abcd::/48"},
		{"firefox on linux", firefoxLin, "::ffff:192.0.2.9", "Firefox", "Linux", "192.0.2.0/24"},
		{"an app", "MyProfileApp/2.1 (Android 14)", "192.0.2.1", "MyProfileApp", "Android", "192.0.2.0/24"},
		{"no user agent", "", "192.0.2.1", "Unknown browser", "Unknown OS", "192.0.2.0/24"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := DeviceOf(request.Source{IP: tc.ip, UserAgent: tc.ua})
			if d.Browser != tc.browser || d.OS != tc.os || d.Network != tc.net {
				t.Errorf("got %q %q %q, want %q %q %q", d.Browser, d.OS, d.Network, tc.browser, tc.os, tc.net)
			}
			if len(d.Key) != 32 {
				t.Errorf("key %q: want 32 hex characters", d.Key)
			}
		})
	}
	t.Run("a browser update on the same network is the same device", func(t *testing.T) {
		a := DeviceOf(request.Source{IP: "203.0.113.7", UserAgent: chromeMac})
		b := DeviceOf(request.Source{IP: "203.0.113.200", UserAgent: chromeMac2})
		if a.Key != b.Key {
			t.Errorf("keys differ: %s, %s", a.Key, b.Key)
		}
	})
	t.Run("another network is another device", func(t *testing.T) {
		a := DeviceOf(request.Source{IP: "203.0.113.7", UserAgent: chromeMac})
		b := DeviceOf(request.Source{IP: "203.0.114.7", UserAgent: chromeMac})
		if a.Key == b.Key {
			t.Error("same key for two networks")
		}
	})
}
