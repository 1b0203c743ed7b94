// Starts GraphiQL on the page of web/graphiql/index.html, with no inline
// script (the page's Content-Security-Policy allows scripts of this origin
// only). The endpoint comes from the page: <div id="graphiql" data-endpoint>.
//
// Every request to the endpoint needs "Authorization: Bearer <key>": the
// Headers tab starts with that line to fill in. Until it is filled in, no
// request is sent and the result pane says what to do; when the schema could
// not be read (no key yet, or introspection turned off on the server), the
// result pane says so instead of waiting.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/query';
  var placeholder = '<key>';
  var hint = '{\n  "Authorization": "Bearer ' + placeholder + '"\n}';
  var defaultQuery = '# Jamsostek Kota Cilegon: GraphQL at ' + endpoint + '.\n' +
    '#\n' +
    '# Every request needs an API key. In the\n' +
    '# Headers tab below, replace <key> with\n' +
    '# yours (jamsostek demo prints one;\n' +
    '# jamsostek keys create makes one), then\n' +
    '# run this query: the play button or\n' +
    '# Ctrl-Enter.\n' +
    '{\n  me {\n    name\n    role\n  }\n}\n';

  function failed(message) {
    root.textContent = '';
    var p = document.createElement('p');
    p.className = 'jamsostek-failed';
    p.textContent = message;
    root.appendChild(p);
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    failed('GraphiQL did not load: its scripts under /graphiql/assets/ were not served. Reload the page; if it persists, the server\'s log says more.');
    return;
  }
  var GraphiQL = window.GraphiQL.GraphiQL || window.GraphiQL;

  // An answer of errors only, shown in the result pane ("data": null, so
  // that GraphiQL does not ask again without subscriptions).
  function errorResult(message, code) {
    return { data: null, errors: [{ message: message, extensions: { code: code } }] };
  }

  var offMessage = 'This server has introspection turned off (JAMSOSTEK_INTROSPECTION=false, or the production preset): ' +
    'GraphiQL has no schema, so no docs and no completion, but queries run. docs/graphql.md describes the schema.';

  function isIntrospection(params) {
    return params && params.operationName === 'IntrospectionQuery';
  }

  function errorCodes(result) {
    return (result && result.errors || []).map(function (e) { return e.extensions && e.extensions.code; });
  }

  // post sends one GraphQL request; it resolves to the answer (an error
  // answer when the server could not be reached or did not answer JSON) and
  // the HTTP status.
  function post(params, headers) {
    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'omit',
      cache: 'no-store'
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return { result: JSON.parse(text), status: res.status };
        } catch (e) {
          return { result: errorResult('The server answered ' + res.status + ' ' + res.statusText + ', not JSON: ' + text.slice(0, 500), 'BAD_RESPONSE'), status: res.status };
        }
      });
    }, function (err) {
      return { result: errorResult('The request to ' + endpoint + ' failed: ' + err.message + '. Is the server running?', 'NETWORK_ERROR'), status: 0 };
    });
  }

  // schemaMissing is set when the schema could not be read for want of a
  // key: after the first query a key makes work, the schema is read again.
  var schemaMissing = false;

  function fetcher(params, opts) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    var extra = (opts && opts.headers) || {};
    var auth = '';
    for (var name in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, name)) {
        headers[name] = String(extra[name]);
        if (name.toLowerCase() === 'authorization') {
          auth = headers[name];
        }
      }
    }
    var introspection = isIntrospection(params);
    if (auth === '' || auth.indexOf(placeholder) >= 0) {
      if (introspection) {
        schemaMissing = true;
      }
      return Promise.resolve(errorResult((introspection ? 'GraphiQL reads the schema (docs, completion) with your API key too. ' : '') +
        'No API key yet: in the Headers tab (under the query editor), replace ' + placeholder + ' in {"Authorization": "Bearer ' +
        placeholder + '"} with your key (jamsostek demo prints one; jamsostek keys create makes one), then run the query.',
        'UNAUTHENTICATED'));
    }
    return post(params, headers).then(function (answer) {
      var result = answer.result, codes = errorCodes(result);
      if (introspection) {
        if (codes.indexOf('FORBIDDEN') >= 0 && !(result.data && result.data.__schema)) {
          result.errors.unshift({ message: offMessage, extensions: { code: 'INTROSPECTION_DISABLED' } });
        } else if (codes.indexOf('UNAUTHENTICATED') >= 0) {
          schemaMissing = true;
        }
        return result;
      }
      if (!schemaMissing || answer.status !== 200 || codes.indexOf('UNAUTHENTICATED') >= 0) {
        return result;
      }
      // The key works now: can it read the schema?
      schemaMissing = false;
      return post({ query: '{ __schema { queryType { name } } }' }, headers).then(function (probe) {
        var p = probe.result;
        if (p && p.data && p.data.__schema) {
          setTimeout(render, 0); // a new fetcher: GraphiQL reads the schema again
        } else if (errorCodes(p).indexOf('FORBIDDEN') >= 0) {
          result.extensions = result.extensions || {};
          result.extensions.graphiql = offMessage;
        }
        return result;
      });
    });
  }

  var reactRoot = window.ReactDOM.createRoot(root);
  function render() {
    reactRoot.render(window.React.createElement(GraphiQL, {
      fetcher: function (params, opts) { return fetcher(params, opts); }, // a new function: GraphiQL reads the schema again
      defaultQuery: defaultQuery,
      defaultHeaders: hint,
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }));
  }
  render();
})();
