from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.certfleet.acme.plugins.module_utils.errors import ACMEProblem, safe_text


def test_problem_document_is_parsed_with_subproblems():
    body = json.dumps({
        'type': 'urn:ietf:params:acme:error:rejectedIdentifier',
        'detail': 'Some identifiers were rejected',
        'subproblems': [
            {'type': 'urn:ietf:params:acme:error:malformed', 'detail': 'bad name',
             'identifier': {'type': 'dns', 'value': 'a..example.com'}},
            {'type': 'urn:ietf:params:acme:error:caa', 'detail': 'CAA forbids'},
        ],
    }).encode()
    problem = ACMEProblem.from_response(400, 'application/problem+json', body, 'https://ca/new-order')
    assert problem.status == 400
    assert problem.acme_type == 'rejectedIdentifier'
    assert problem.is_type('rejectedIdentifier')
    assert [item.identifier for item in problem.subproblems] == ['dns a..example.com', None]
    text = str(problem)
    assert 'HTTP 400 rejectedIdentifier: Some identifiers were rejected' in text
    assert '(1) dns a..example.com: malformed: bad name' in text
    assert '(2) caa: CAA forbids' in text
    assert problem.details['problem']['subproblems'][0]['type'].endswith(':malformed')


def test_non_json_answer_becomes_a_problem_with_the_body():
    problem = ACMEProblem.from_response(502, 'text/html', b'<html>Bad gateway</html>', 'https://ca/dir')
    assert problem.type == 'about:blank'
    assert 'text/html' in problem.detail
    assert 'Bad gateway' in problem.detail


def test_hint_is_appended():
    problem = ACMEProblem(403, 'urn:ietf:params:acme:error:unauthorized', 'no').with_hint('Do this.')
    assert str(problem).endswith('Hint: Do this.')


def test_hostile_text_is_neutralised_and_bounded():
    assert safe_text('ok\x1b[31mred\x00') == 'ok\\x1b[31mred\\x00'
    assert len(safe_text('x' * 10000)) < 2100
    problem = ACMEProblem.from_response(400, None, json.dumps({'detail': '\x1b]0;pwn\x07'}).encode(), None)
    assert '\x1b' not in str(problem)
