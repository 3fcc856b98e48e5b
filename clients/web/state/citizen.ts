import type { ReplyData } from '../../../protocol/frames.ts';

export type DirectoryEntry = ReplyData<'directory.list'>['lawyers'][number];

/** Where the next page of ended consultations starts: the last one of the page before. */
export interface PastCursor {
  createdAt: number;
  id: string;
}

/**
 * What the citizen's app keeps besides consultations: the directory of lawyers on duty as last
 * asked, and how far the pages of ended consultations (`consult.past`) have been read. The ended
 * consultations themselves sit with the others in `consultations`, their transcripts not loaded
 * until opened.
 */
export interface CitizenSide {
  /** Undefined until asked. */
  directory: readonly DirectoryEntry[] | undefined;
  past: {
    status: 'idle' | 'loading' | 'loaded' | 'failed';
    /** Older ended ones remain on the server. */
    hasMore: boolean;
    /** Where the next page starts; undefined before the first page. */
    cursor: PastCursor | undefined;
  };
}

export const emptyCitizen: CitizenSide = { directory: undefined, past: { status: 'idle', hasMore: false, cursor: undefined } };
