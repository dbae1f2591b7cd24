package notifications_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portico-dev/portico/functions/notifications"
)

// TestHandleWithSDKClient runs the handler with the real apigatewaymanagementapi client against
// a loopback @connections endpoint that answers as API Gateway does.
func TestHandleWithSDKClient(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		https     bool // the cloud's scheme; http is the local gateway's
		stagePath string
		status    int
		errorType string // X-Amzn-ErrorType of an error answer
		wantPath  string
		wantErr   []string
		wantLog   string
	}{
		{name: "signed post over https", id: "L0SM9cOFvHcCIhw=", https: true, stagePath: "/prod", status: 200,
			wantPath: "/prod/@connections/L0SM9cOFvHcCIhw%3D"},
		{name: "signed for the local gateway too", id: "abc", stagePath: "/prod", status: 200, wantPath: "/prod/@connections/abc"},
		{name: "a trailing slash on the callback URL", id: "abc", stagePath: "/prod/", status: 200, wantPath: "/prod/@connections/abc"},
		{name: "an id cannot climb out of @connections", id: "../../admin", https: true, stagePath: "/prod", status: 200,
			wantPath: "/prod/@connections/..%2F..%2Fadmin"},
		{name: "410 GoneException means the client left, not an error", id: "gone", https: true, stagePath: "/prod", status: 410, errorType: "GoneException",
			wantPath: "/prod/@connections/gone", wantLog: `msg="client left before the answer" connectionId=gone`},
		{name: "other errors name the connection, status and error type", id: "x", https: true, stagePath: "/prod", status: 403, errorType: "ForbiddenException",
			wantPath: "/prod/@connections/x", wantErr: []string{`answer connection "x"`, "PostToConnection", "StatusCode: 403", "ForbiddenException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotMethod, gotPath, gotAuth, gotBody string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotMethod, gotPath, gotAuth = r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization")
				b, _ := io.ReadAll(r.Body)
				gotBody = string(b)
				w.Header().Set("X-Amzn-RequestId", "req-1")
				if tt.errorType != "" {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("X-Amzn-ErrorType", tt.errorType)
					w.WriteHeader(tt.status)
					io.WriteString(w, `{"message":"`+http.StatusText(tt.status)+`"}`)
					return
				}
				w.WriteHeader(tt.status)
			})
			srv := httptest.NewUnstartedServer(h)
			if tt.https {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()

			cfg := aws.Config{
				Region:      "eu-west-1",
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
				HTTPClient:  srv.Client(), // trusts the test server's certificate
			}
			conn, err := notifications.NewConnections(cfg, srv.URL+tt.stagePath)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			req := events.APIGatewayWebsocketProxyRequest{
				RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: "echo", ConnectionID: tt.id},
				Body:           `{"action":"echo","data":{"hello":1}}`,
			}
			resp, err := notifications.Handler{Conn: conn, Log: slog.New(slog.NewTextHandler(&logs, nil))}.Handle(context.Background(), req)

			if len(tt.wantErr) == 0 && (err != nil || resp.StatusCode != 200) {
				t.Fatalf("got %d, %v; want 200 and no error", resp.StatusCode, err)
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want it to contain %q", err, want)
				}
			}
			if gotMethod != "POST" || gotPath != tt.wantPath || gotBody != `{"action":"echo","data":{"hello":1}}` {
				t.Errorf("got %s %s %q, want POST %s with the echo", gotMethod, gotPath, gotBody, tt.wantPath)
			}
			signed := strings.HasPrefix(gotAuth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") && strings.Contains(gotAuth, "/eu-west-1/execute-api/aws4_request")
			if !signed {
				t.Errorf("Authorization %q, want a SigV4 signature with the configured key", gotAuth)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs %q, want %q", logs.String(), tt.wantLog)
			}
		})
	}
}

func TestNewConnectionsRejectsBadURLs(t *testing.T) {
	for _, bad := range []string{"", "prod", "execute-api.example.com/prod", "ftp://example.com/prod", "https:///prod", "http://[::1"} {
		t.Run(bad, func(t *testing.T) {
			_, err := notifications.NewConnections(aws.Config{Region: "eu-west-1"}, bad)
			if err == nil || !strings.Contains(err.Error(), `got "`+bad+`"`) || !strings.Contains(err.Error(), "https://") {
				t.Fatalf("error %v, want one quoting %q and saying what is allowed", err, bad)
			}
		})
	}
}
