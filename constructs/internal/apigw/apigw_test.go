package apigw

import (
	"fmt"
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

func TestValidStageName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"prod", true},
		{"dev_2-a", true},
		{strings.Repeat("a", 128), true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"$default", false},
		{"pro d", false},
	}
	for _, tt := range tests {
		if got := ValidStageName(tt.name); got != tt.want {
			t.Errorf("ValidStageName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCheckThrottle(t *testing.T) {
	tests := []struct {
		name        string
		rate, burst *float64
		want        string // "" means accepted
	}{
		{"unset", nil, nil, ""},
		{"zero", f(0), f(0), ""},
		{"fractional rate", f(0.5), f(10), ""},
		{"negative rate", f(-1), nil, "Throttle.RateLimit must be 0 or more requests per second, got -1"},
		{"negative burst", nil, f(-1), "Throttle.BurstLimit must be a whole number 0 or more, got -1"},
		{"fractional burst", nil, f(1.5), "Throttle.BurstLimit must be a whole number 0 or more, got 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckThrottle("Throttle", tt.rate, tt.burst)
			if got := errString(err); got != tt.want {
				t.Errorf("CheckThrottle = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckQuotaLimit(t *testing.T) {
	tests := []struct {
		limit float64
		want  string
	}{
		{1, ""},
		{1e6, ""},
		{0, "Quota.Limit must be a whole number of 1 or more, got 0"},
		{-3, "Quota.Limit must be a whole number of 1 or more, got -3"},
		{2.5, "Quota.Limit must be a whole number of 1 or more, got 2.5"},
	}
	for _, tt := range tests {
		if got := errString(CheckQuotaLimit("Quota", tt.limit)); got != tt.want {
			t.Errorf("CheckQuotaLimit(%v) = %q, want %q", tt.limit, got, tt.want)
		}
	}
}

func TestCheckQuotaOffset(t *testing.T) {
	tests := []struct {
		period string
		offset float64
		want   string
	}{
		{"DAY", 0, ""},
		{"DAY", 1, "Quota.Offset for period DAY must be 0, got 1"},
		{"WEEK", 0, ""},
		{"WEEK", 6, ""},
		{"WEEK", 7, "Quota.Offset for period WEEK must be a whole number from 0 to 6 (the day the week starts, 0 is Sunday), got 7"},
		{"WEEK", -1, "Quota.Offset for period WEEK must be a whole number from 0 to 6 (the day the week starts, 0 is Sunday), got -1"},
		{"MONTH", 27, ""},
		{"MONTH", 28, "Quota.Offset for period MONTH must be a whole number from 0 to 27 (the day the month starts, 0 is the 1st), got 28"},
		{"MONTH", 2.5, "Quota.Offset for period MONTH must be a whole number from 0 to 27 (the day the month starts, 0 is the 1st), got 2.5"},
	}
	for _, tt := range tests {
		if got := errString(CheckQuotaOffset("Quota", tt.period, tt.offset)); got != tt.want {
			t.Errorf("CheckQuotaOffset(%s, %v) = %q, want %q", tt.period, tt.offset, got, tt.want)
		}
	}
}

func TestArn(t *testing.T) {
	tests := []struct {
		method, path         string
		wantMethod, wantPath string
	}{
		{"ANY", "/", "*", "/"},
		{"GET", "/orders", "GET", "/orders"},
		{"POST", "/orders/{id}/items/{item}", "POST", "/orders/*/items/*"},
		{"GET", "/files/{proxy+}", "GET", "/files/*"},
	}
	for _, tt := range tests {
		if m, p := ArnMethod(tt.method), ArnPath(tt.path); m != tt.wantMethod || p != tt.wantPath {
			t.Errorf("Arn(%s %s) = %s %s, want %s %s", tt.method, tt.path, m, p, tt.wantMethod, tt.wantPath)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestGrantStages(t *testing.T) {
	tests := []struct {
		name    string
		stages  []string
		known   []string
		want    string
		wantErr string
	}{
		{"none named: the default", nil, []string{"prod", "dev"}, "[prod]", ""},
		{"named stages of the API", []string{"dev", "prod"}, []string{"prod", "dev"}, "[dev prod]", ""},
		{"a stage the API lacks", []string{"test"}, []string{"prod", "dev"}, "", `no stage "test"; the API's stages are ["prod" "dev"]`},
		{"import: any well-formed name", []string{"beta"}, nil, "[beta]", ""},
		{"import: a special name", []string{"$default"}, nil, "[$default]", ""},
		{"import: a malformed name", []string{"a/b"}, nil, "", `stage name must be 1 to 128 letters, digits, "-" or "_" or "$default", got "a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GrantStages(tt.stages, "prod", tt.known, "$default")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != tt.want {
				t.Errorf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}
