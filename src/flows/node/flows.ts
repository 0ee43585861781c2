import { SignInFlow } from '../flow';
import { pasteFlow } from '../pasteFlow';
import { relayFlow } from '../relayFlow';
import { uriHandlerFlow } from '../uriHandlerFlow';
import { loopbackFlow } from './loopbackFlow';

/** The flows of the Node build, in the chooser's order of preference. */
export const NODE_FLOWS: readonly SignInFlow[] = [relayFlow, uriHandlerFlow, loopbackFlow, pasteFlow];
