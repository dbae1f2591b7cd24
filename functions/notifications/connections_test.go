package notifications_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portico-dev/portico/functions/notifications"
)

func TestConnectionsPost(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	tests := []struct {
		name        string
		id          string
		credentials aws.CredentialsProvider
		status      int
		wantPath    string
		wantSigned  bool
		wantErr     string
		wantGone    bool
	}{
		{name: "signed post", id: "L0SM9cOFvHcCIhw=", credentials: creds, status: 200, wantPath: "/prod/@connections/L0SM9cOFvHcCIhw=", wantSigned: true},
		{name: "unsigned for the local gateway", id: "abc", status: 200, wantPath: "/prod/@connections/abc"},
		{name: "an id cannot climb out of @connections", id: "../../admin", status: 200, wantPath: "/prod/@connections/..%2F..%2Fadmin"},
		{name: "410 is ErrGone", id: "gone", status: 410, wantPath: "/prod/@connections/gone", wantGone: true, wantErr: "connection is gone"},
		{name: "other statuses are errors with the body", id: "x", status: 403, wantPath: "/prod/@connections/x", wantErr: `403 Forbidden: {"message":"Forbidden"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotPath, gotAuth, gotBody, gotMethod string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotMethod, gotPath, gotAuth = r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization")
				b, _ := io.ReadAll(r.Body)
				gotBody = string(b)
				w.WriteHeader(tt.status)
				if tt.status == 403 {
					io.WriteString(w, `{"message":"Forbidden"}`)
				}
			}))
			defer srv.Close()

			c := notifications.Connections{Endpoint: srv.URL + "/prod/", Region: "eu-west-1", Credentials: tt.credentials, Client: &http.Client{Timeout: 2 * time.Second}}
			err := c.Post(context.Background(), tt.id, []byte(`{"hello":1}`))

			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
			if errors.Is(err, notifications.ErrGone) != tt.wantGone {
				t.Errorf("errors.Is(err, ErrGone) = %v, want %v", !tt.wantGone, tt.wantGone)
			}
			if gotMethod != "POST" || gotPath != tt.wantPath || gotBody != `{"hello":1}` {
				t.Errorf("got %s %s %q, want POST %s with the data", gotMethod, gotPath, gotBody, tt.wantPath)
			}
			signed := strings.HasPrefix(gotAuth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") && strings.Contains(gotAuth, "/eu-west-1/execute-api/aws4_request")
			if signed != tt.wantSigned || (!tt.wantSigned && gotAuth != "") {
				t.Errorf("Authorization %q, want signed: %v", gotAuth, tt.wantSigned)
			}
		})
	}
}
