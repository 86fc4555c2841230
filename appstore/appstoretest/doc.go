// Package appstoretest makes data signed the way the App Store signs it,
// for the tests of code that verifies it with package appstore: a test CA
// whose root, intermediate and leaf carry Apple's OIDs, an OCSP responder
// for its chain, each broken chain a test needs, and a sender that
// delivers notifications as the App Store does.
//
//	ca := appstoretest.NewCA()
//	v, _ := appstore.NewVerifier(appstore.VerifierConfig{
//		BundleID: "com.example.app", Environment: appstore.Sandbox, Roots: ca.Roots(),
//	})
//	signed, _ := ca.SignNotification(appstore.Notification{NotificationType: appstore.NotificationTest, ...})
//	resp, _ := appstoretest.Post(ctx, nil, handlerURL, signed)
//
// Nothing here is Apple's: a verifier with Apple's root refuses all of it.
package appstoretest
