// Kartei's GraphiQL page: sign in, pick a tenant, then query with both sent as headers.
(function () {
  "use strict";
  var session = { access: null, tenant: null };
  var $ = function (id) { return document.getElementById(id); };

  function status(text, bad) {
    var s = $("status");
    s.textContent = text;
    s.className = bad ? "bad" : "";
  }

  function post(body, withTenant) {
    var headers = { "content-type": "application/json" };
    if (session.access) headers.authorization = "Bearer " + session.access;
    if (withTenant && session.tenant) headers["x-tenant-id"] = session.tenant;
    return fetch("/graphql", { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }

  function loadTenants() {
    return post({ query: "{ tenants(first: 100) { nodes { id name slug } } }" }, false).then(function (r) {
      var select = $("tenant");
      select.innerHTML = "";
      var nodes = (r.data && r.data.tenants.nodes) || [];
      nodes.forEach(function (t) {
        var o = document.createElement("option");
        o.value = t.id;
        o.textContent = t.name + " (" + t.slug + ")";
        select.appendChild(o);
      });
      select.disabled = nodes.length === 0;
      session.tenant = nodes.length ? nodes[0].id : null;
      select.value = session.tenant || "";
      status(nodes.length ? "signed in; tenant " + nodes[0].name : "signed in; no tenants", false);
    });
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    status("signing in…", false);
    post({
      query: "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }",
      variables: { e: $("email").value, p: $("password").value },
    }, false).then(function (r) {
      if (r.errors) {
        status(r.errors[0].message + " (" + ((r.errors[0].extensions || {}).code || "") + ")", true);
        return;
      }
      session.access = r.data.login.accessToken;
      $("password").value = "";
      return loadTenants();
    }).catch(function (err) { status(String(err), true); });
  });

  $("tenant").addEventListener("change", function (e) {
    session.tenant = e.target.value || null;
    status("tenant " + e.target.options[e.target.selectedIndex].textContent, false);
  });

  var fetcher = function (params) { return post(params, true); };
  var defaultQuery =
    "# Sign in above and pick a tenant; both go along as headers.\n" +
    "{\n  persons(first: 10) {\n    nodes { displayName email city lifecycleStage }\n    pageInfo { hasNextPage endCursor }\n  }\n}\n";
  ReactDOM.createRoot($("graphiql")).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery, defaultEditorToolsVisibility: false })
  );
})();
