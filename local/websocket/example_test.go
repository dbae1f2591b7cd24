package websocket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/invoke"
	localws "github.com/portico-dev/portico/local/websocket"
)

// upperInvoker stands in for the Lambda runtime: it answers every route with the message body
// in capitals.
type upperInvoker struct{}

func (upperInvoker) Invoke(_ context.Context, c invoke.Call) (*invoke.Result, error) {
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(c.Payload, &ev); err != nil {
		return nil, err
	}
	out, err := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Body: strings.ToUpper(ev.Body)})
	return &invoke.Result{Payload: out}, err
}

func Example() {
	srv, err := localws.New(localws.Config{
		APIID:   "abcd1234ef",
		Stage:   "prod",
		Routes:  map[string]localws.Route{"$default": {Function: "UpperFn", RouteResponse: true}},
		Invoker: upperInvoker{},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/prod", srv.ConnectHandler())
	mux.Handle("/prod/@connections/", srv.ManagementHandler())
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/prod", nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"shout","text":"hi"}`))
	_, reply, _ := c.Read(ctx)
	fmt.Println(string(reply))
	// Output: {"ACTION":"SHOUT","TEXT":"HI"}
}
