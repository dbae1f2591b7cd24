package notifications_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/portico-dev/portico/functions/internal/fixture"
	"github.com/portico-dev/portico/functions/notifications"
)

// recorder is a fake Connections that keeps what it was asked to send and answers with err.
type recorder struct {
	sent []string
	to   []string
	err  error
}

func (r *recorder) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	r.to, r.sent = append(r.to, aws.ToString(in.ConnectionId)), append(r.sent, string(in.Data))
	if r.err != nil {
		return nil, r.err
	}
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func TestHandle(t *testing.T) {
	base := fixture.Load[events.APIGatewayWebsocketProxyRequest](t, "whoami.json")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name     string
		routeKey string
		body     string
		postErr  error
		wantSent []string // nil: nothing posted
		wantErr  bool
	}{
		{name: "connect accepts without answering", routeKey: "$connect"},
		{name: "disconnect", routeKey: "$disconnect"},
		{name: "echo sends the data back", routeKey: "echo", body: `{"action":"echo","data":{"n":1,"s":"hi"}}`,
			wantSent: []string{`{"action":"echo","data":{"n":1,"s":"hi"}}`}},
		{name: "echo of a non-JSON message explains the format", routeKey: "echo", body: `not json`,
			wantSent: []string{`{"error":"echo needs a JSON message like {\"action\":\"echo\",\"data\":...}","actions":["echo","whoami"]}`}},
		{name: "whoami answers with the authorizer's context", routeKey: "whoami", body: `{"action":"whoami"}`,
			wantSent: []string{`{"action":"whoami","connectionId":"L0SM9cOFvHcCIhw=","principalId":"8f1c2b3a-1111-2222-3333-444455556666","sub":"8f1c2b3a-1111-2222-3333-444455556666","username":"ada","groups":"readers"}`}},
		{name: "$default lists the actions", routeKey: "$default", body: `{"action":"dance"}`,
			wantSent: []string{`{"error":"unknown action","actions":["echo","whoami"]}`}},
		{name: "a client that left is not an error", routeKey: "echo", body: `{"action":"echo"}`, postErr: fmt.Errorf("operation error: %w", &types.GoneException{Message: aws.String("Gone")}),
			wantSent: []string{`{"action":"echo"}`}},
		{name: "other post failures are errors", routeKey: "echo", body: `{"action":"echo"}`, postErr: errors.New("503 Service Unavailable"),
			wantSent: []string{`{"action":"echo"}`}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base
			req.RequestContext.RouteKey, req.Body = tt.routeKey, tt.body
			rec := &recorder{err: tt.postErr}
			resp, err := notifications.Handler{Conn: rec, Log: quiet}.Handle(context.Background(), req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error: %v", err, tt.wantErr)
			}
			if !tt.wantErr && resp.StatusCode != 200 {
				t.Errorf("status %d, want 200", resp.StatusCode)
			}
			if fmt.Sprint(rec.sent) != fmt.Sprint(tt.wantSent) {
				t.Errorf("sent %q\nwant %q", rec.sent, tt.wantSent)
			}
			for _, to := range rec.to {
				if to != "L0SM9cOFvHcCIhw=" {
					t.Errorf("posted to %q, want the caller's connection", to)
				}
			}
		})
	}
}

func ExampleHandler_Handle() {
	rec := &recorder{}
	req := events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{RouteKey: "echo", ConnectionID: "c1"},
		Body:           `{"action":"echo","data":"ping"}`,
	}
	resp, _ := notifications.Handler{Conn: rec}.Handle(context.Background(), req)
	fmt.Println(resp.StatusCode, rec.to[0], rec.sent[0])
	// Output: 200 c1 {"action":"echo","data":"ping"}
}
