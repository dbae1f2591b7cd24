package websocket

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"

	"github.com/portico-dev/portico/local/access/check"
)

// keyNoGrant signs for a role without execute-api:ManageConnections: TestManageHook's hook
// refuses it.
const keyNoGrant = "ASIANOGRANTEXAMPLE01"

// deniedManage is the cloud's refusal of a role without execute-api:ManageConnections, as the
// AWS CLI reported it in aws-solutions/innovation-sandbox-on-aws pull request #59 ("An error
// occurred (AccessDeniedException) when calling the PostToConnection operation: User: ... is not
// authorized to perform: execute-api:ManageConnections on resource: ...").
var deniedManage = &check.Denial{Status: http.StatusForbidden, MessageKey: "Message", Type: "AccessDeniedException",
	Message: "User: arn:aws:sts::123456789012:assumed-role/NoGrant/portico is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/POST/@connections/{connectionId}",
	By:      "test policy", Reason: "no execute-api:ManageConnections"}

// managed is one call the Manage hook saw.
type managed struct {
	method, connectionID, body string
}

func TestManageHook(t *testing.T) {
	var mu sync.Mutex
	var seen []managed
	h := newHarness(t, func(cfg *Config) {
		cfg.Manage = func(_ context.Context, r *http.Request, body []byte, connectionID string) error {
			mu.Lock()
			seen = append(seen, managed{r.Method, connectionID, string(body)})
			mu.Unlock()
			if strings.Contains(r.Header.Get("Authorization"), "Credential="+keyNoGrant+"/") {
				return deniedManage
			}
			return nil
		}
	})
	c := h.dial(t, "")
	id := connectionID(t, c)
	ctx := context.Background()
	post := func(data string, opts ...func(*apigatewaymanagementapi.Options)) error {
		_, err := h.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(data)}, opts...)
		return err
	}

	t.Run("refused with AccessDeniedException", func(t *testing.T) {
		err := post("not for you", func(o *apigatewaymanagementapi.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider(keyNoGrant, "local-fake-secret", "")
		})
		var api *smithy.GenericAPIError // the SDK has no type of its own for AccessDeniedException
		if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || api.ErrorMessage() != deniedManage.Message {
			t.Fatalf("PostToConnection = %v, want AccessDeniedException %q", err, deniedManage.Message)
		}
		if !isAPIError[*smithy.GenericAPIError](err, http.StatusForbidden) {
			t.Errorf("PostToConnection = %v, want a 403 with X-Amzn-ErrorType AccessDeniedException", err)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		if err := post("for you"); err != nil {
			t.Fatalf("PostToConnection = %v, want 200", err)
		}
		readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		// The refused message never reached the client: the first it reads is this one.
		if _, b, err := c.Read(readCtx); err != nil || string(b) != "for you" {
			t.Errorf("client read %q (%v), want %q", b, err, "for you")
		}
		if _, err := h.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id}); err != nil {
			t.Errorf("GetConnection = %v, want 200", err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []managed{{http.MethodPost, id, "not for you"}, {http.MethodPost, id, "for you"}, {http.MethodGet, id, ""}}
		if !slices.Equal(seen, want) {
			t.Errorf("the hook saw %+v, want %+v", seen, want)
		}
	})
	logs := h.logs.waitFor("no execute-api:ManageConnections")
	if n := strings.Count(logs, "no execute-api:ManageConnections"); n != 1 {
		t.Errorf("the refusal is logged %d times, want once:\n%s", n, logs)
	}
}

// TestManageHookForbidden: a refusal typed ForbiddenException reaches a Go handler as the SDK's
// typed error, on each of the three operations, and none acts (the connection stays open).
func TestManageHookForbidden(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.Manage = func(context.Context, *http.Request, []byte, string) error {
			return &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", By: "test", Reason: "unsigned"}
		}
	})
	c := h.dial(t, "")
	id := connectionID(t, c)
	for op, call := range managementCalls(h.mgmt, id) {
		if err := call(context.Background()); !isAPIError[*types.ForbiddenException](err, http.StatusForbidden) {
			t.Errorf("%s = %v, want 403 ForbiddenException", op, err)
		}
	}
	if got := roundTrip(t, c, `{"action":"whoami"}`); !strings.Contains(got, id) {
		t.Errorf("after refused calls the connection answers %q, want it open", got)
	}
}
