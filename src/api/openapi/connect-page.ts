// The OpenAPI documentation of the hosted Connect page's own routes (connect/page.routes.ts): the
// page, its assets, the small API the page calls with the session token from its URL fragment,
// and the callback a redirect consent comes back to. Those routes send their answers as they are
// (no response schemas), so what they answer is written here and merged into their schemas for
// the document only (document.ts): Fastify validates their requests with their own schemas and
// serialises nothing with these. Kept beside the document, by route, so the page's routes stay
// as they are; the native fuzzer checks every answer it gets from them against these. (Moving
// each entry into its route's `schema` would work the same, minus this lookup.)
import { Type } from 'typebox';
import { AnswerBody, CredentialsBody } from '../../connect/page.schemas.ts';
import { Nullable, Ref, StringEnum } from '../common.schemas.ts';
import { ChallengeSchema } from '../connections/connections.schemas.ts';
import {
  answer,
  anyBody,
  type Codes,
  invalidField,
  jsonBody,
  pathId,
  problems,
  query,
  rateLimited,
  textAnswer,
} from '../responses.ts';
import { challengeExample, connectSessionExample } from './examples.ts';

const connectionId = 'con_u8p2jbe5vxciipmz';
const redirectUri = 'https://app.example.com/connect/callback';
const code = 'ccd_6xc5I9szDm3YDNevdktyEZLUtfi6t9TmUrFZ2j91DsU';

// ---- what the page's API answers

const pageInstitutionExample = {
  id: 'ins_sandbox_bank',
  name: 'Banco Sandbox',
  initials: 'BS',
  color: '#0b5cab',
  logo_url: null,
  country: 'ES',
  description:
    'A Spanish retail bank: current and savings accounts (one joint), debit and credit cards, a mortgage and a personal loan.',
  fields: [
    {
      name: 'username',
      label: 'Username',
      type: 'text',
      required: true,
      placeholder: 'user_good',
      options: null,
    },
    {
      name: 'password',
      label: 'Password',
      type: 'password',
      required: true,
      placeholder: null,
      options: null,
    },
  ],
};

const PageInstitutionSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    initials: Type.String({ description: 'Shown when there is no logo.' }),
    color: Type.String(),
    logo_url: Nullable(Type.String()),
    country: Type.String(),
    description: Type.String(),
    fields: Type.Array(
      Type.Object({
        name: Type.String(),
        label: Type.String(),
        type: Type.String(),
        required: Type.Boolean(),
        placeholder: Nullable(Type.String()),
        options: Nullable(Type.Array(Type.Object({ value: Type.String(), label: Type.String() }))),
      }),
    ),
  },
  {
    $id: 'ConnectPageInstitution',
    description: 'An institution as the page offers it, with its login form.',
    examples: [pageInstitutionExample],
  },
);

const PageSessionSchema = Type.Object(
  {
    language: StringEnum(['en', 'es'] as const),
    client_name: Type.String({ description: 'The developer’s application, as the page names it.' }),
    expires_at: Type.String({ format: 'date-time' }),
    redirect_origin: Type.String({ description: 'The only origin the page posts its messages to.' }),
    update_institution: Nullable(
      Ref(PageInstitutionSchema, { description: 'Update mode: the one to log in to again.' }),
    ),
    institutions: Type.Array(Ref(PageInstitutionSchema), { description: 'The institutions to pick from.' }),
  },
  {
    $id: 'ConnectPageSession',
    description: 'What the page shows first.',
    examples: [
      {
        language: 'en',
        client_name: 'Acme Budget',
        expires_at: connectSessionExample.expires_at,
        redirect_origin: 'https://app.example.com',
        update_institution: null,
        institutions: [pageInstitutionExample],
      },
    ],
  },
);

const PageCredentialsRequest = Type.Object(CredentialsBody.properties, {
  $id: 'ConnectPageCredentialsRequest',
  additionalProperties: false,
  examples: [
    { institution_id: 'ins_sandbox_bank', credentials: { username: 'user_otp', password: 'pass_good' } },
  ],
});

const PageAnswerRequest = Type.Object(AnswerBody.properties, {
  $id: 'ConnectPageAnswerRequest',
  additionalProperties: false,
  examples: [{ answers: { code: '123456' } }],
});

const PageConnectionSchema = Type.Object(
  { connection_id: Type.String() },
  {
    $id: 'ConnectPageConnection',
    description: 'The connection the login form made (or updates).',
    examples: [{ connection_id: connectionId }],
  },
);

const progressOf = (state: string) => ({
  connection_id: connectionId,
  status: state === 'challenge' ? 'challenge_required' : 'ok',
  detail: 'The connection works and its data is up to date.',
  state,
});

const PageProgressSchema = Type.Object(
  {
    state: StringEnum(['idle', 'working', 'challenge', 'success', 'error'] as const),
    connection_id: Type.Optional(Type.String()),
    status: Type.Optional(Type.String({ description: 'The connection’s status.' })),
    detail: Type.Optional(Type.String({ description: 'Its status in plain words.' })),
    challenge: Type.Optional(Ref(ChallengeSchema)),
    institution_said: Type.Optional(
      Nullable(Type.String({ description: 'An error: what the institution itself said, if more.' })),
    ),
  },
  {
    $id: 'ConnectPageProgress',
    description:
      'Where the end user is: nothing sent yet, working, a challenge to answer, success or an error.',
    examples: [
      { ...progressOf('challenge'), detail: challengeExample.prompt, challenge: challengeExample },
      progressOf('success'),
    ],
  },
);

const PageAcceptedSchema = Type.Object(
  { accepted: Type.Literal(true) },
  { $id: 'ConnectPageAnswerAccepted', examples: [{ accepted: true }] },
);

const PageRedirectSchema = Type.Object(
  {
    code: Type.Optional(Type.String({ description: 'The one-use code for the developer’s server.' })),
    redirect_url: Type.String({
      description: 'Where to send the end user: the redirect_uri with `code` or `error`.',
    }),
  },
  {
    $id: 'ConnectPageRedirect',
    description: 'The session ended: where the end user goes next.',
    examples: [
      { code, redirect_url: `${redirectUri}?code=${code}&state=c2f9a1` },
      { redirect_url: `${redirectUri}?error=cancelled&state=c2f9a1` },
    ],
  },
);

/** The page's components: registered once at the root, since the page's routes register none. */
export const connectPageSchemas = [
  PageInstitutionSchema,
  PageSessionSchema,
  PageCredentialsRequest,
  PageAnswerRequest,
  PageConnectionSchema,
  PageProgressSchema,
  PageAcceptedSchema,
  PageRedirectSchema,
];

// ---- the routes

/** A call of the page's API: the session in the path and its token as the bearer. */
const session: Codes[] = [rateLimited, pathId, 'CONNECT_SESSION_INVALID', 'CONNECT_SESSION_EXPIRED'];
const html = (description: string, example: string) =>
  textAnswer(['text/html; charset=utf-8'], description, example);

const pageHtml =
  '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Connect your accounts · Tesoro</title>\n';
const script = '// The hosted Connect page. Plain JavaScript, no framework.\n';

/** The page's documentation, by `METHOD url` as Fastify registers it. */
export const connectPageDocs: Record<string, Record<string, unknown>> = {
  'GET /connect/:session_id': {
    operationId: 'getConnectPage',
    response: {
      200: html('The page (its token is the URL fragment).', pageHtml),
      ...problems(rateLimited, pathId),
    },
  },
  'GET /connect/assets/page.js': {
    operationId: 'getConnectPageScript',
    response: {
      200: textAnswer(['text/javascript; charset=utf-8'], 'The page’s script.', script),
      ...problems(rateLimited),
    },
  },
  'GET /connect/assets/page.css': {
    operationId: 'getConnectPageStyles',
    response: {
      200: textAnswer(
        ['text/css; charset=utf-8'],
        'The page’s styles.',
        '/* The Connect page: one card, mobile first (360 px up), system fonts, visible focus. */\n',
      ),
      ...problems(rateLimited),
    },
  },
  'GET /connect/embed.js': {
    operationId: 'getConnectEmbedScript',
    response: {
      200: textAnswer(
        ['text/javascript; charset=utf-8'],
        'Opens the page in an iframe or popup of your own page.',
        "// TesoroConnect.open({ url, mode: 'iframe' | 'popup', onSuccess(code, metadata), onExit(error) })\n",
      ),
      ...problems(rateLimited),
    },
  },
  'GET /connect/api/:session_id': {
    operationId: 'getConnectPageSession',
    response: { 200: answer(Ref(PageSessionSchema), 'What the page shows first.'), ...problems(...session) },
  },
  'POST /connect/api/:session_id/credentials': {
    operationId: 'submitConnectPageCredentials',
    body: Ref(PageCredentialsRequest),
    response: {
      200: answer(Ref(PageConnectionSchema), 'The connection made (or updated); poll its progress.'),
      ...problems(...session, jsonBody, 'CONNECTION_DUPLICATE', {
        // Update mode, on a connection its developer disabled.
        CONNECTION_DISABLED: 'Enable the connection before updating it.',
        VALIDATION_FAILED: invalidField('body', ['institution_id'], 'is not offered in this session'),
      }),
    },
  },
  'GET /connect/api/:session_id/progress': {
    operationId: 'getConnectPageProgress',
    response: { 200: answer(Ref(PageProgressSchema), 'Where the end user is.'), ...problems(...session) },
  },
  'POST /connect/api/:session_id/answer': {
    operationId: 'answerConnectPageChallenge',
    body: Ref(PageAnswerRequest),
    response: {
      202: answer(Ref(PageAcceptedSchema), 'The answer is on its way to the institution: poll the progress.'),
      ...problems(...session, jsonBody, 'CHALLENGE_NOT_OPEN', {
        NOT_FOUND: `No connection ${connectionId}.`,
        VALIDATION_FAILED: invalidField('body', ['answers', 'code'], 'is required'),
      }),
    },
  },
  'POST /connect/api/:session_id/finish': {
    operationId: 'finishConnectPageSession',
    response: {
      200: answer(Ref(PageRedirectSchema), 'The code, and where to send the end user with it.'),
      ...problems(...session, anyBody, 'CONNECT_NOT_COMPLETE'),
    },
  },
  'POST /connect/api/:session_id/cancel': {
    operationId: 'cancelConnectPageSession',
    response: {
      200: answer(Ref(PageRedirectSchema), 'Where to send the end user, with `error=cancelled`.', {
        redirect_url: `${redirectUri}?error=cancelled&state=c2f9a1`,
      }),
      ...problems(...session, anyBody),
    },
  },
  'GET /connect/callback/:connector': {
    operationId: 'receiveConsentCallback',
    response: {
      200: html('For an end user who came without Connect: the outcome, in plain words.', pageHtml),
      303: Type.Null({
        description:
          "To the developer's redirect_uri, with a one-use `code` (or `error`) and the session's `state`.",
        headers: { location: Type.String({ description: `${redirectUri}?code=…&state=…` }) },
      }),
      ...callbackProblems(),
    },
  },
};

/** The callback's refusals: problem+json, or a page in plain words for a browser (Accept: text/html). */
function callbackProblems() {
  const answers = problems(rateLimited, pathId, query, 'CONSENT_CALLBACK_INVALID');
  const invalid = answers[400] as unknown as { content: Record<string, unknown> };
  return {
    ...answers,
    400: Type.Unsafe({
      ...invalid,
      content: {
        ...invalid.content,
        'text/html; charset=utf-8': { schema: { type: 'string' }, example: pageHtml },
      },
    }),
  };
}
