// Package notifications is the sample WebSocket handler: $connect and $disconnect accept (the
// $connect authorizer has verified the caller), and the "echo" and "whoami" routes and $default
// answer the client through the stage's @connections endpoint.
package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
)

// Route keys the handler serves besides $connect, $disconnect and $default.
const (
	RouteEcho   = "echo"
	RouteWhoami = "whoami"
)

// Handler answers every route of the Notifications API.
type Handler struct {
	Conn Connections
	Log  *slog.Logger
}

// Echo is the message the echo route receives and sends back.
type Echo struct {
	Action string          `json:"action"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// Whoami is the caller's identity as the $connect authorizer returned it.
type Whoami struct {
	Action       string `json:"action"`
	ConnectionID string `json:"connectionId"`
	PrincipalID  string `json:"principalId"`
	Sub          string `json:"sub"`
	Username     string `json:"username,omitempty"`
	Groups       string `json:"groups,omitempty"`
	Scopes       string `json:"scopes,omitempty"`
}

// Unknown answers a message no route matched.
type Unknown struct {
	Error   string   `json:"error"`
	Actions []string `json:"actions"`
}

// Handle serves one WebSocket event. A client that left before its answer is not an error.
func (h Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	var reply any
	switch rc.RouteKey {
	case "$connect", "$disconnect":
		h.log().InfoContext(ctx, "connection event", "event", rc.EventType, "connectionId", rc.ConnectionID, "principalId", authorizerValue(rc.Authorizer, "principalId"))
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	case RouteEcho:
		var msg Echo
		if err := json.Unmarshal([]byte(req.Body), &msg); err != nil {
			reply = Unknown{Error: "echo needs a JSON message like {\"action\":\"echo\",\"data\":...}", Actions: []string{RouteEcho, RouteWhoami}}
			break
		}
		reply = Echo{Action: RouteEcho, Data: msg.Data}
	case RouteWhoami:
		reply = Whoami{
			Action:       RouteWhoami,
			ConnectionID: rc.ConnectionID,
			PrincipalID:  authorizerValue(rc.Authorizer, "principalId"),
			Sub:          authorizerValue(rc.Authorizer, "sub"),
			Username:     authorizerValue(rc.Authorizer, "username"),
			Groups:       authorizerValue(rc.Authorizer, "groups"),
			Scopes:       authorizerValue(rc.Authorizer, "scopes"),
		}
	default:
		reply = Unknown{Error: "unknown action", Actions: []string{RouteEcho, RouteWhoami}}
	}
	data, err := json.Marshal(reply)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	_, err = h.Conn.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(rc.ConnectionID), Data: data})
	if err != nil {
		// 410 Gone: the client disconnected while we worked; nobody is left to answer.
		if gone := (*types.GoneException)(nil); !errors.As(err, &gone) {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("answer connection %q: %w", rc.ConnectionID, err)
		}
		h.log().InfoContext(ctx, "client left before the answer", "connectionId", rc.ConnectionID)
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// authorizerValue reads one string of the authorizer context, which API Gateway passes to
// every route of the connection.
func authorizerValue(authorizer any, key string) string {
	m, _ := authorizer.(map[string]any)
	s, _ := m[key].(string)
	return s
}

func (h Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
