import { registerFunction } from '../shared/runtime/register-function.js';
import { rotateSigningSecretFunction } from '../shared/api/rotate-signing-secret.js';

registerFunction(rotateSigningSecretFunction);
