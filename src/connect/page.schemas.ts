// Schemas of the hosted Connect page's own routes: the session in the path, the login form and
// challenge answers the page sends, and the query string an institution's consent redirect brings.
import { Type } from 'typebox';
import { IdParam } from '../api/common.schemas.ts';

export const SessionParams = Type.Object({ session_id: IdParam('cs') });

/** Form values by field name (a login form, a challenge's answers). */
const Strings = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }), {
  maxProperties: 20,
});

export const CredentialsBody = Type.Object(
  { institution_id: Type.String({ maxLength: 64 }), credentials: Strings },
  { additionalProperties: false },
);

export const AnswerBody = Type.Object({ answers: Strings }, { additionalProperties: false });

export const CallbackParams = Type.Object({ connector: Type.String({ maxLength: 64 }) });

/** What institutions send back; others (`iss`, `session_state`, …) are passed on as well. */
export const CallbackQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 512 })),
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: Type.String({ maxLength: 4096 }), maxProperties: 30 },
);
