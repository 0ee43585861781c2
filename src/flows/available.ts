import { SignInFlow } from './flow';
import { pasteFlow } from './pasteFlow';
import { uriHandlerFlow } from './uriHandlerFlow';

/** The flows in this (Node) build; the chooser picks among them. */
export const AVAILABLE_FLOWS: readonly SignInFlow[] = [uriHandlerFlow, pasteFlow];
