/**
 * The roles' GUIDs, written out here on purpose (not imported from shared/auth): the tests pin the real
 * Azure built-in ids and the documented Event Sender id, so a changed id in the service fails them.
 */
export const ROLE = {
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  EventSender: 'd983c68d-e682-47c9-ba45-ff1bedafcb32',
} as const;
