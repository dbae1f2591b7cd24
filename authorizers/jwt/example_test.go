package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
)

func ExampleVerifier_Verify() {
	// A local stand-in for a Cognito user pool, its JWKS served on 127.0.0.1.
	iss, _ := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example")
	jwks := httptest.NewServer(iss.JWKSHandler())
	defer jwks.Close()

	v, err := jwt.New(jwt.Config{
		Issuer:         iss.URL,
		JWKSURL:        jwks.URL, // in Lambda: {issuer}/.well-known/jwks.json
		ClientIDs:      []string{"web"},
		TokenUse:       "access",
		RequiredScopes: []string{"orders/read"},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	reader, _ := iss.Mint(iss.AccessClaims("web", "ada", []string{"orders/read"}))
	claims, err := v.Verify(context.Background(), reader)
	fmt.Println(claims.Name(), claims.Scopes(), err)

	writer, _ := iss.Mint(iss.AccessClaims("web", "bob", []string{"orders/write"}))
	_, err = v.Verify(context.Background(), writer)
	fmt.Println(errors.Is(err, jwt.ErrForbidden))
	// Output:
	// ada [orders/read] <nil>
	// true
}
