/**
 * `useFileDrop`: a headless drop zone and file picker. It renders nothing and
 * ships no CSS: it returns props for the element you style (`getRootProps`)
 * and for a hidden file input (`getInputProps`), the drag state, and the files
 * it refused with the server's codes (see `accept.ts`).
 *
 * Accessible by construction: the root is a focusable `role="button"` that
 * opens the picker on click, Enter or Space; the input is labelled and out of
 * the tab order (the root is the control); `aria-disabled` follows `disabled`.
 */
import {
  type ChangeEvent,
  type DragEvent,
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { acceptAttribute, type FileChecks, type FileRejection, sortFiles } from "./accept.js";

/** Options of {@link useFileDrop}; the checks mirror the server's limits (see {@link FileChecks}). */
export interface FileDropOptions extends FileChecks {
  /** Whether several files may be dropped or picked at once. Default true. */
  multiple?: boolean;
  /** Nothing opens, nothing is accepted, and the root says so (`aria-disabled`). Default false. */
  disabled?: boolean;
  /** Called after each drop or pick with the files to upload and those refused (either may be empty). */
  onFiles?: (files: File[], rejections: FileRejection[]) => void;
  /** Accessible name of the hidden file input. Default "Choose files to upload" ("Choose a file to upload" when not `multiple`). */
  inputLabel?: string;
  /** Keep the browser from opening a file dropped beside the zone (it would leave the page). Default true. */
  preventDropOnDocument?: boolean;
}

/** What {@link FileDrop.getRootProps} sets (your own props are kept; your handlers run before these). */
export interface FileDropRootProps {
  role: "button";
  tabIndex: number;
  "aria-disabled": boolean;
  "aria-controls": string;
  onClick(event: MouseEvent<HTMLElement>): void;
  onKeyDown(event: KeyboardEvent<HTMLElement>): void;
  onDragEnter(event: DragEvent<HTMLElement>): void;
  onDragOver(event: DragEvent<HTMLElement>): void;
  onDragLeave(event: DragEvent<HTMLElement>): void;
  onDrop(event: DragEvent<HTMLElement>): void;
}

/** What {@link FileDrop.getInputProps} sets. */
export interface FileDropInputProps {
  ref: RefObject<HTMLInputElement | null>;
  id: string;
  type: "file";
  hidden: true;
  tabIndex: -1;
  multiple: boolean;
  accept: string | undefined;
  disabled: boolean;
  "aria-label": string;
  onChange(event: ChangeEvent<HTMLInputElement>): void;
  onClick(event: MouseEvent<HTMLInputElement>): void;
}

/** What {@link useFileDrop} returns. */
export interface FileDrop {
  /** Props for the drop zone element (spread them on a `<div>`, `<section>`...), merged with yours. */
  getRootProps<P extends object = object>(props?: P): Omit<P, keyof FileDropRootProps> & FileDropRootProps;
  /** Props for an `<input>` inside the root, merged with yours. */
  getInputProps<P extends object = object>(props?: P): Omit<P, keyof FileDropInputProps> & FileDropInputProps;
  /** True while files are dragged over the zone. */
  isDragging: boolean;
  /** The same as `isDragging` (the name other drop zones use). */
  isDragActive: boolean;
  /** The files refused by the last drop or pick, with the server's codes. */
  rejections: readonly FileRejection[];
  /** Open the browser's file picker (does nothing while `disabled`). */
  open(): void;
}

type Handler<E> = ((event: E) => void) | undefined;

/** `mine` after `theirs` (the application's handler runs first). */
function both<E>(theirs: unknown, mine: (event: E) => void): (event: E) => void {
  return (event) => {
    (theirs as Handler<E>)?.(event);
    mine(event);
  };
}

const hasFiles = (event: DragEvent<HTMLElement>): boolean => [...(event.dataTransfer?.types ?? [])].includes("Files");

/**
 * A headless drop zone: drag-and-drop and a keyboard-accessible file picker,
 * with the server's type and size checks applied before anything is uploaded.
 *
 * @example
 * const drop = useFileDrop({ accept: ["image/*"], maxSize: 50 * 1024 ** 2, onFiles: (files) => uploader.addAll(files) });
 * return (
 *   <div {...drop.getRootProps({ className: drop.isDragging ? "zone over" : "zone" })}>
 *     <input {...drop.getInputProps()} />
 *     Drop images here, or press Enter to choose
 *   </div>
 * );
 */
export function useFileDrop(options: FileDropOptions = {}): FileDrop {
  const { multiple = true, disabled = false, preventDropOnDocument = true } = options;
  const latest = useRef(options);
  latest.current = options;
  const inputRef = useRef<HTMLInputElement | null>(null);
  const depth = useRef(0);
  const [isDragging, setDragging] = useState(false);
  const [rejections, setRejections] = useState<readonly FileRejection[]>([]);
  const inputId = useId();

  const take = useCallback((files: Iterable<File>): void => {
    const o = latest.current;
    if (o.disabled) return;
    const { accepted, rejected } = sortFiles(files, o);
    setRejections(rejected);
    o.onFiles?.(accepted, rejected);
  }, []);

  const open = useCallback((): void => {
    if (!latest.current.disabled) inputRef.current?.click();
  }, []);

  useEffect(() => {
    if (!preventDropOnDocument || typeof document === "undefined") return;
    // A file dropped beside the zone would make the browser open it and leave the page.
    const stop = (event: Event): void => {
      if ((event as globalThis.DragEvent).dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    document.addEventListener("dragover", stop);
    document.addEventListener("drop", stop);
    return () => {
      document.removeEventListener("dragover", stop);
      document.removeEventListener("drop", stop);
    };
  }, [preventDropOnDocument]);

  const leave = (): void => {
    depth.current = 0;
    setDragging(false);
  };

  const getRootProps = <P extends object = object>(props?: P): Omit<P, keyof FileDropRootProps> & FileDropRootProps => {
    const p = (props ?? {}) as Partial<Record<keyof FileDropRootProps, unknown>>;
    return {
      ...(props as P),
      role: "button",
      tabIndex: disabled ? -1 : 0,
      "aria-disabled": disabled,
      "aria-controls": inputId,
      onClick: both(p.onClick, open),
      onKeyDown: both(p.onKeyDown, (event: KeyboardEvent<HTMLElement>) => {
        // Only the zone itself: Enter on a button inside it is that button's.
        if (event.target !== event.currentTarget || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        open();
      }),
      onDragEnter: both(p.onDragEnter, (event: DragEvent<HTMLElement>) => {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault();
        // Entering a child fires dragenter before the parent's dragleave: count the depth.
        depth.current++;
        setDragging(true);
      }),
      onDragOver: both(p.onDragOver, (event: DragEvent<HTMLElement>) => {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault(); // allows the drop
        event.dataTransfer.dropEffect = "copy";
      }),
      onDragLeave: both(p.onDragLeave, () => {
        if (depth.current > 0 && --depth.current === 0) setDragging(false);
      }),
      onDrop: both(p.onDrop, (event: DragEvent<HTMLElement>) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        leave();
        take(event.dataTransfer.files);
      }),
    };
  };

  const getInputProps = <P extends object = object>(
    props?: P,
  ): Omit<P, keyof FileDropInputProps> & FileDropInputProps => {
    const p = (props ?? {}) as Partial<Record<keyof FileDropInputProps, unknown>>;
    return {
      ...(props as P),
      ref: inputRef,
      id: inputId,
      type: "file",
      hidden: true,
      tabIndex: -1,
      multiple,
      accept: acceptAttribute(options.accept),
      disabled,
      "aria-label": options.inputLabel ?? (multiple ? "Choose files to upload" : "Choose a file to upload"),
      onChange: both(p.onChange, (event: ChangeEvent<HTMLInputElement>) => {
        const input = event.currentTarget;
        take([...(input.files ?? [])]);
        input.value = ""; // picking the same file again fires change again
      }),
      // The input sits inside the root: its click must not bubble up and open the picker twice.
      onClick: both(p.onClick, (event: MouseEvent<HTMLInputElement>) => event.stopPropagation()),
    };
  };

  return { getRootProps, getInputProps, isDragging, isDragActive: isDragging, rejections, open };
}
