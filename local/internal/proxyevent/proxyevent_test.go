package proxyevent

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestRequestTime(t *testing.T) {
	at := time.Date(2020, time.April, 9, 20, 3, 43, 0, time.FixedZone("CEST", 2*60*60))
	if got, want := RequestTime(at), "09/Apr/2020:18:03:43 +0000"; got != want {
		t.Errorf("RequestTime = %q, want %q", got, want)
	}
}

func TestSourceIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"127.0.0.1:50000", "127.0.0.1"},
		{"[::1]:443", "::1"},
		{"10.0.0.7", "10.0.0.7"}, // no port: kept as is
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			if got := SourceIP(&http.Request{RemoteAddr: tt.remote}); got != tt.want {
				t.Errorf("SourceIP(%q) = %q, want %q", tt.remote, got, tt.want)
			}
		})
	}
}

func TestFlatten(t *testing.T) {
	tests := []struct {
		name       string
		in         map[string][]string
		wantSingle map[string]string
		wantMulti  map[string][]string
	}{
		{"empty is nil", map[string][]string{}, nil, nil},
		{"nil is nil", nil, nil, nil},
		{"last value wins", map[string][]string{"a": {"1", "2"}, "b": {"x"}},
			map[string]string{"a": "2", "b": "x"}, map[string][]string{"a": {"1", "2"}, "b": {"x"}}},
		{"key without values only in multi", map[string][]string{"a": {}},
			map[string]string{}, map[string][]string{"a": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			single, multi := Flatten(tt.in)
			if !reflect.DeepEqual(single, tt.wantSingle) || !reflect.DeepEqual(multi, tt.wantMulti) {
				t.Errorf("Flatten(%v) = %v, %v; want %v, %v", tt.in, single, multi, tt.wantSingle, tt.wantMulti)
			}
		})
	}
}

func TestCookies(t *testing.T) {
	h := http.Header{"Cookie": {"a=1; b=2", " c=3 ;"}}
	if got, want := Cookies(h), []string{"a=1", "b=2", "c=3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Cookies = %q, want %q", got, want)
	}
	if got := Cookies(http.Header{}); got != nil {
		t.Errorf("Cookies of no header = %q, want nil", got)
	}
}
