// The accessibility matrix of every question kind and a poll, data-theme="dark" (see a11y-kinds.mjs).
import { kindMatrix } from './a11y-kinds.mjs';

kindMatrix('dark');
